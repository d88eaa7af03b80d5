"""web.commit_or_flash: how a view ends one service action (commit and confirm, or roll back and say why)."""
from __future__ import annotations

import pytest
from flask import get_flashed_messages

from assess.web import commit_or_flash


class Refused(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@pytest.fixture()
def calls(app, db, monkeypatch):
    seen: list[str] = []
    monkeypatch.setattr(db.session, "commit", lambda: seen.append("commit"))
    monkeypatch.setattr(db.session, "rollback", lambda: seen.append("rollback"))
    with app.test_request_context("/"):
        yield seen


def _refuse(message: str, field: str | None = None):
    def action():
        raise Refused(message, field)
    return action


def test_committed_and_confirmed(calls):
    assert commit_or_flash(lambda: calls.append("action"), "已保存。") is True
    assert calls == ["action", "commit"]
    assert get_flashed_messages(with_categories=True) == [("success", "已保存。")]


def test_refused_rolled_back_and_flashed_as_explained(calls):
    assert commit_or_flash(_refuse("不能修改。"), "已保存。", refused=(Refused,), explain=lambda e: f"【{e}】") is False
    assert calls == ["rollback"]
    assert get_flashed_messages(with_categories=True) == [("error", "【不能修改。】")]


def test_show_replaces_the_flash(calls):
    shown: list[tuple[str, str | None]] = []
    assert commit_or_flash(_refuse("请填写理由。", "reason"), "已保存。", refused=(Refused,),
                           show=lambda exc: shown.append((str(exc), exc.field))) is False
    assert calls == ["rollback"] and shown == [("请填写理由。", "reason")]
    assert get_flashed_messages() == []


def test_an_error_not_refused_is_not_swallowed(calls):
    def broken():
        raise KeyError("bug")

    with pytest.raises(KeyError):
        commit_or_flash(broken, "已保存。", refused=(Refused,))
    assert calls == [] and get_flashed_messages() == []
