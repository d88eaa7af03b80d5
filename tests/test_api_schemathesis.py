"""A property-based run of the whole OpenAPI description against the app (schemathesis 4, in-process WSGI).

Every operation of /api/v1/openapi.json gets a few generated requests (valid and invalid data), as an
office administrator and as a department editor of a small world; every response must be free of 5xx, have a
documented status code and content type, and match its documented schema. Bounded: a few examples per
operation (about 20 s on an idle two-core machine; the test bounds the run's CPU time to a minute).
"""
from __future__ import annotations

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.generation import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from tests.api_helpers import token_for

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MAX_EXAMPLES = 3


@pytest.fixture()
def world(app, db, tenant_a):
    """Office A with its departments, plus what the API's resources can find (campaigns etc. when present)."""
    try:
        from tests.api_world import build_world

        build_world(tenant_a)
    except ImportError:
        pass
    tokens = {key: token_for(tenant_a.users[key], "fuzz") for key in ("office_admin", "dept_editor")}
    db.session.commit()
    return tokens


def test_openapi_description_holds_against_the_app(app, world):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    started, cpu_started = time.monotonic(), time.process_time()
    failures: list[str] = []
    statuses: dict[int, int] = {}
    ops = [result.ok() for result in schema.get_all_operations()]
    assert ops, "no operations in the description"
    plan = [("office_admin", GenerationMode.POSITIVE, MAX_EXAMPLES), ("office_admin", GenerationMode.NEGATIVE, 2),
            ("dept_editor", GenerationMode.POSITIVE, 2)]
    for op in ops:
        for key, mode, examples in plan:
            headers = {"Authorization": f"Bearer {world[key]}"}

            @given(case=op.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            def run(case):
                case.headers = {**(case.headers or {}), **headers}
                try:
                    resp = case.call_and_validate(checks=CHECKS)
                    statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
                except (Exception, BaseExceptionGroup) as exc:  # collect, to report every broken operation at once
                    failures.append(f"{op.method.upper()} {op.path} as {key} ({mode.value}): {str(exc)[:800]}")
                    raise

            try:
                run()
            except (Exception, BaseExceptionGroup):
                pass  # recorded in ``failures``
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu_started
    print(f"schemathesis: {len(ops)} operations, statuses {sorted(statuses.items())}, {elapsed:.1f} s "
          f"({cpu:.1f} s CPU)")
    assert not failures, "\n\n".join(dict.fromkeys(failures))
    assert statuses.get(200, 0) > len(ops), f"too few successful calls: {statuses}"  # the tokens work
    assert 401 not in statuses, statuses
    # The run is bounded by its example counts, not timed: speed lives in benchmarks, never in tests.
