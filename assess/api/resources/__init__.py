"""API resources: each module adds its routes to the ``v1`` blueprint and calls its capability's services.

:mod:`assess.api.v1` is the framework (authentication, errors, pagination, versions) and imports no resource;
this package assembles the API: :func:`blueprint` is ``v1`` with every resource and the OpenAPI pages
(:mod:`assess.api.spec`) on it, which ``create_app`` registers.
"""
from apiflask import APIBlueprint

from .. import spec  # noqa: F401  (the OpenAPI document and documentation page)
from ..v1 import v1
from . import (admin, audit, campaigns, documents, notify, ranking, rectification, review,  # noqa: F401
               reviewaids, selfassessment)


def blueprint() -> APIBlueprint:
    """The ``api_v1`` blueprint with every resource's routes."""
    return v1
