"""API resources: each module adds its routes to the ``v1`` blueprint and calls its capability's services."""
from . import admin, audit, campaigns, documents, ranking, rectification, review, selfassessment  # noqa: F401
