"""``web.commit_or_flash``: the one way a view ends a service action (commit and confirm, or roll back and
say why), with the refusal at the form's field when a form is given and a confirmation worded from the
action's result."""
from __future__ import annotations

import pytest
from flask import get_flashed_messages
from wtforms import Form, StringField

from assess.web import commit_or_flash


class _Refused(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class _NameForm(Form):
    name = StringField()


def _refuse(field: str | None = None):
    def action():
        raise _Refused("不行", field)
    return action


def test_success_commits_and_flashes_the_confirmation(app, db):
    with app.test_request_context("/"):
        assert commit_or_flash(lambda: 3, "好了")
        assert get_flashed_messages(with_categories=True) == [("success", "好了")]


def test_the_outcome_carries_the_actions_result(app, db):
    with app.test_request_context("/"):
        done = commit_or_flash(lambda: {"id": 7}, None)
        assert done and done.result == {"id": 7}
        assert get_flashed_messages() == []  # success=None: the next page confirms it
        refused = commit_or_flash(_refuse(), "好了", refused=(_Refused,))
        assert not refused and refused.result is None


def test_success_can_be_worded_from_the_result(app, db):
    with app.test_request_context("/"):
        assert commit_or_flash(lambda: 3, lambda n: f"已增加{n}个")
        assert get_flashed_messages(with_categories=True) == [("success", "已增加3个")]


def test_refusal_is_flashed_without_a_form(app, db):
    with app.test_request_context("/"):
        assert not commit_or_flash(_refuse("name"), "好了", refused=(_Refused,))
        assert get_flashed_messages(with_categories=True) == [("error", "不行")]


def test_refusal_goes_to_the_field_it_names_with_a_form(app, db):
    with app.test_request_context("/"):
        form = _NameForm()
        form.validate()
        assert not commit_or_flash(_refuse("name"), "好了", refused=(_Refused,), form=form)
        assert form.name.errors == ["不行"]
        assert get_flashed_messages() == []


def test_refusal_naming_no_field_of_the_form_is_flashed(app, db):
    with app.test_request_context("/"):
        form = _NameForm()
        form.validate()
        assert not commit_or_flash(_refuse(None), "好了", refused=(_Refused,), form=form)
        assert form.name.errors == []
        assert get_flashed_messages(with_categories=True) == [("error", "不行")]


def test_explain_rewords_the_refusal(app, db):
    with app.test_request_context("/"):
        assert not commit_or_flash(_refuse(), "好了", refused=(_Refused,), explain=lambda e: f"原因：{e}")
        assert get_flashed_messages(with_categories=True) == [("error", "原因：不行")]


def test_other_errors_are_not_caught(app, db):
    with app.test_request_context("/"), pytest.raises(KeyError):
        commit_or_flash(lambda: {}["x"], "好了", refused=(_Refused,))



@pytest.fixture()
def calls(app, db, monkeypatch):
    """What reached the session, in order (the action appends itself)."""
    seen: list[str] = []
    monkeypatch.setattr(db.session, "commit", lambda: seen.append("commit"))
    monkeypatch.setattr(db.session, "rollback", lambda: seen.append("rollback"))
    with app.test_request_context("/"):
        yield seen


def test_committed_after_the_action(calls):
    assert commit_or_flash(lambda: calls.append("action"), "已保存。")
    assert calls == ["action", "commit"]


def test_a_refusal_is_rolled_back_not_committed(calls):
    assert not commit_or_flash(_refuse("reason"), "已保存。", refused=(_Refused,))
    assert calls == ["rollback"]


def test_show_receives_the_refusal_instead_of_the_flash(calls):
    shown: list[tuple[str, str | None]] = []
    assert not commit_or_flash(_refuse("reason"), "已保存。", refused=(_Refused,),
                           show=lambda exc: shown.append((str(exc), exc.field)))
    assert calls == ["rollback"] and shown == [("不行", "reason")]
    assert get_flashed_messages() == []
