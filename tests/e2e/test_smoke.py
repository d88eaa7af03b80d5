"""Smoke test in a real browser: the login page renders, in Chinese, without script errors."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_login_page_renders(page, live_server):
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)

    response = page.goto(f"{live_server}/auth/login")

    assert response is not None and response.status == 200, f"GET /auth/login: {response and response.status}"
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("input[type=password]").count() >= 1, "no password field on /auth/login"
    assert page.js_errors == [], f"uncaught JavaScript errors: {page.js_errors}"
    csp = [m for m in console_errors if "Content Security Policy" in m]
    assert csp == [], f"CSP violations on /auth/login: {csp}"
