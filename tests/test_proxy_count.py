"""Behind a proxy (the stack's load balancer, nginx): with PROXY_COUNT the client's address comes from the
proxy's X-Forwarded-For, so log-in rate limits and the audit log see the person, not the proxy; without it
the header is ignored (a client cannot pick its own address)."""
from __future__ import annotations

import pytest
from flask import request

from assess import create_app


@pytest.mark.parametrize("count, seen", [(0, "10.9.9.9"), (1, "203.0.113.7")])
def test_forwarded_address_is_trusted_only_from_the_configured_proxies(tmp_path, count, seen):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}", "SECRET_KEY": "x",
                      "TESTING": True, "PROXY_COUNT": count, "STORAGE_DIR": str(tmp_path / "s")})
    app.add_url_rule("/_addr", "addr", lambda: f"{request.remote_addr} {request.scheme}")
    resp = app.test_client().get("/_addr", environ_base={"REMOTE_ADDR": "10.9.9.9"},
                                 headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert resp.get_data(as_text=True) == f"{seen} {'https' if count else 'http'}"
