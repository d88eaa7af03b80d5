"""The demo command: a lived-in year from an empty database, deterministic, and only into an empty one."""
from __future__ import annotations

from sqlalchemy import func, select

from assess import create_app
from assess.extensions import db
from tests.dbutil import fresh_database_url


def _counts():
    from assess.models import Campaign, CampaignState, IndicatorResult, Submission
    from assess.models.documents import IssuedDocument
    from assess.models.rectification import Notice

    published = db.session.scalar(select(func.count()).select_from(Campaign)
                                  .where(Campaign.state == CampaignState.PUBLISHED))
    return {
        "published": published,
        "submissions": db.session.scalar(select(func.count()).select_from(Submission)),
        "results": db.session.scalar(select(func.count()).select_from(IndicatorResult)),
        "notices": db.session.scalar(select(func.count()).select_from(Notice)),
        "documents": db.session.scalar(select(func.count()).select_from(IssuedDocument)),
    }


def _notifications_lived_in():
    """The bell and the list are filled: the reminders the schedule sent, the events', read and unread, none
    dated in the future."""
    from assess.models import Notification
    from assess.models.base import utcnow
    from assess.notify import kinds

    rows = db.session.execute(select(Notification.kind, Notification.read_at, Notification.created_at)).all()
    found = {kind for kind, _, _ in rows}
    assert {kinds.REMIND, kinds.SELF_DUE, kinds.SELF_OVERDUE, kinds.SELF_OVERDUE_DIGEST, kinds.CAMPAIGN_OPENED,
            kinds.CONTEST_OPENED, kinds.CONTEST_ANSWERED, kinds.RESULTS_PUBLISHED, kinds.NOTICE_SENT} <= found
    assert {read is None for _, read, _ in rows} == {True, False}
    assert all(created <= utcnow() for _, _, created in rows)


def test_demo_command_builds_a_lived_in_year_once(tmp_path):
    from assess.audit.services import verify_chain
    from assess.models import Office

    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_database_url(tmp_path, "demo"), "SECRET_KEY": "x", "TESTING": True,
                      "STORAGE_DIR": str(tmp_path / "storage"), "PASSWORD_HASH_FAST": True})
    with app.app_context():
        db.create_all()
    runner = app.test_cli_runner()
    out = runner.invoke(args=["demo", "--departments", "6", "--seed", "4"])
    assert out.exit_code == 0, out.output
    assert "演示账号" in out.output and "rsj-editor" in out.output and "Demo-2026!" in out.output
    with app.app_context():
        counts = _counts()
        assert counts["published"] == 1 and counts["submissions"] >= 6 and counts["results"] > 0
        assert counts["notices"] > 0 and counts["documents"] > 0
        from assess.models import NotificationDelivery

        states = set(db.session.scalars(select(NotificationDelivery.status)))
        assert states == {"sent", "pending", "failed"}  # the office's 投递情况 lists failures
        for office in db.session.scalars(select(Office)):
            assert verify_chain(office.id).ok
        _notifications_lived_in()
    again = runner.invoke(args=["demo", "--departments", "6"])
    assert again.exit_code != 0 and "already holds data" in again.output
    quiet = runner.invoke(args=["demo", "--if-empty"])
    assert quiet.exit_code == 0 and "演示数据已存在" in quiet.output
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
