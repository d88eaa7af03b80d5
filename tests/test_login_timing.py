"""Log-in time does not tell whether an account exists (issue 15): the password hash is checked once for
every attempt, against a dummy hash when there is no account (or no password yet). Counted, not timed."""
from __future__ import annotations

import pytest

from assess.auth import passwords
from assess.auth.services import authenticate


class _Counting:
    """Wraps the hasher and counts the hash verifications (the slow part of a log-in)."""

    def __init__(self, inner):
        self.inner, self.verified = inner, 0

    def verify(self, stored, password):
        self.verified += 1
        return self.inner.verify(stored, password)

    def hash(self, password):
        return self.inner.hash(password)


@pytest.fixture()
def counting(monkeypatch):
    wrapper = _Counting(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", wrapper)
    return wrapper


@pytest.mark.parametrize("case", ["unknown", "wrong_password", "inactive", "no_password_yet", "right"])
def test_every_log_in_attempt_checks_one_hash(db, tenant_a, counting, case):
    from tests.conftest import TEST_PASSWORD

    user = tenant_a.users["reviewer"]
    username, password = user.username, "Wrong-pass-123"
    if case == "unknown":
        username = "nobody-here"
    elif case == "inactive":
        user.active, password = False, TEST_PASSWORD
    elif case == "no_password_yet":
        user.password_hash = None
    elif case == "right":
        password = TEST_PASSWORD
    result = authenticate(username, password)
    assert (result is not None) == (case == "right")
    assert counting.verified == 1, case


def test_the_dummy_hash_never_lets_anyone_in(db, counting):
    assert not passwords.verify_password(None, "assess-dummy-password")
    assert not passwords.verify_password("", "")
    assert counting.verified == 2
