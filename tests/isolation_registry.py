"""What the isolation harness (tests/test_isolation.py) knows about every route.

Every endpoint of the app must appear in ROUTES or EXEMPT, or the harness fails. A Route names, for
each URL variable, an object key; OBJECTS builds that object inside the victim tenant (office A,
department A). The harness then requests the URL as every user who must not reach it — every role of
office B, the platform administrator, office A's roles not in ``allowed``, and department B's users when
the object belongs to department A — and requires 403 or 404 for each. GET pages without ids are
requested as every user of office B and of department B, and must not show the victim's markers.

Capabilities add their objects and routes here (small edits; keep them grouped by capability).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

# Markers placed in the victim's data; no foreign user may ever see them.
OFFICE_MARKER = "AAA"  # in every name of office A
DEPT_MARKER = "SECRET-DEPT-A"  # in department A's private texts (explanations, problems, evidence titles)

# role keys of tests.conftest.Tenant.users, plus "platform_admin" and "anonymous"
OFFICE_ROLE_KEYS = ("office_admin", "reviewer", "viewer")
DEPT_A_ROLE_KEYS = ("dept_admin", "dept_editor", "dept_viewer")
DEPT_B_ROLE_KEYS = ("dept_b_admin", "dept_b_editor")


@dataclass(frozen=True)
class Route:
    endpoint: str
    args: dict[str, str] = field(default_factory=dict)  # URL variable → OBJECTS key (victim's object)
    allowed: tuple[str, ...] = ()  # role keys in the victim tenant that may use it
    methods: tuple[str, ...] = ("GET",)
    department_owned: bool = False  # the object belongs to department A (dept B users must be refused)
    extra: dict[str, str] = field(default_factory=dict)  # constant URL values (e.g. a format)


# key → factory(world) returning an object with .id in the victim tenant (world.tenant = office A).
OBJECTS: dict[str, Callable] = {
    "group": lambda w: w.tenant.group,
    "department": lambda w: w.tenant.dept_a,
    "user_dept_a": lambda w: w.tenant.users["dept_editor"],
    "user_office": lambda w: w.tenant.users["reviewer"],
    # review (department A's submission, contest; their texts carry the DEPT marker)
    "review_campaign": lambda w: __import__("tests.review_factories", fromlist=["x"]).isolation_campaign(w),
    "review_submission": lambda w: __import__("tests.review_factories", fromlist=["x"]).isolation_submission(w),
    "review_assignment": lambda w: __import__("tests.review_factories", fromlist=["x"]).isolation_assignment(w),
    "review_contest": lambda w: __import__("tests.review_factories", fromlist=["x"]).isolation_contest(w),
    "review_evidence": lambda w: __import__("tests.review_factories", fromlist=["x"]).isolation_evidence(w),
    # campaigns and self-assessment (department A's submission, answer and evidence carry the DEPT marker)
    "campaign": lambda w: __import__("tests.campaign_world", fromlist=["x"]).isolation_campaign(w),
    "submission_a": lambda w: __import__("tests.campaign_world", fromlist=["x"]).isolation_submission(w),
    "evidence_a": lambda w: __import__("tests.campaign_world", fromlist=["x"]).isolation_evidence(w),
    # rectification (department A's sent notice; its item's problem and evidence carry the DEPT marker)
    "rect_notice": lambda w: __import__("tests.test_rectification_support", fromlist=["x"]).isolation_notice(w),
    "rect_item": lambda w: w.obj("rect_notice").items[0],
    "rect_evidence": lambda w: __import__("tests.test_rectification_support", fromlist=["x"]).isolation_evidence(w),
    # rubrics (office A's rubric version; its name carries the office marker)
    "rubric": lambda w: __import__("tests.test_rubrics_support", fromlist=["x"]).isolation_rubric(w),
    # ranking
    "ranking_campaign": lambda w: __import__("tests.ranking_world", fromlist=["x"]).isolation_campaign(w),
    # review aids (a flag on department A's submission; its passages carry the DEPT marker)
    "review_flag": lambda w: __import__("tests.review_aids_world", fromlist=["x"]).isolation_flag(w),
    # notifications (department A's editor's own notification; its title carries the DEPT marker)
    "notification": lambda w: __import__("assess.notify.services", fromlist=["x"]).notify(
        [w.tenant.users["dept_editor"]], office_id=w.tenant.office.id, kind="isolation", event_key="1",
        title=lambda: "SECRET-DEPT-A 通知", link="/notifications")[0],
    # notification deliveries (a failed e-mail of department A's editor's notification)
    "notification_delivery": lambda w: __import__("tests.test_notify_delivery", fromlist=["x"]).isolation_delivery(w),
    # holidays (office A's own day; its name carries the office marker)
    "office_day": lambda w: __import__("tests.test_holidays", fromlist=["x"]).isolation_office_day(w),
}

# Public or identity-only endpoints with the reason they are exempt from the tenant check.
EXEMPT: dict[str, str] = {
    "static": "static assets",
    "auth.login": "public log-in page",
    "auth.logout": "ends the caller's own session",
    "auth.set_password": "token-addressed, token is the credential",
    "auth.change": "acts on the caller's own account only",
    "auth.set_locale": "the caller's own preference",
    "core.home": "the caller's own start page (checked in the list-page sweep)",
    "core.health": "health check, no data",
    "core.ready": "readiness check: names of dependencies and ok/failed, no data",
}

ROUTES: list[Route] = [
    # review and audit
    Route("review.index", allowed=("office_admin", "reviewer", "viewer", "dept_admin", "dept_editor", "dept_viewer")),
    Route("review.campaign", {"campaign_id": "review_campaign"}, ("office_admin", "reviewer", "viewer")),
    Route("review.assign", {"campaign_id": "review_campaign"}, ("office_admin",), ("GET", "POST")),
    Route("review.contests", {"campaign_id": "review_campaign"}, ("office_admin", "reviewer")),
    Route("review.unassign", {"assignment_id": "review_assignment"}, ("office_admin",), ("POST",),
          department_owned=True),
    Route("review.set_lead", {"assignment_id": "review_assignment"}, ("office_admin",), ("POST",),
          department_owned=True),
    Route("review.sheet", {"submission_id": "review_submission"}, ("office_admin", "reviewer"), department_owned=True),
    *[Route(f"review.{e}", {"submission_id": "review_submission"}, ("office_admin", "reviewer"), ("POST",),
            department_owned=True, extra={"code": "A1"}) for e in ("save_score", "lead_decide")],
    Route("review.accept_rest", {"submission_id": "review_submission"}, ("office_admin", "reviewer"), ("POST",),
          department_owned=True),
    Route("review.results", {"submission_id": "review_submission"},
          ("office_admin", "reviewer", "viewer", "dept_admin", "dept_editor", "dept_viewer"), department_owned=True),
    Route("review.waterfall", {"submission_id": "review_submission"},
          ("office_admin", "reviewer", "viewer", "dept_admin", "dept_editor", "dept_viewer"), department_owned=True,
          extra={"code": "A1"}),
    Route("review.contest", {"submission_id": "review_submission"}, ("dept_admin", "dept_editor"), ("GET", "POST"),
          department_owned=True, extra={"code": "A1"}),
    Route("review.answer", {"contest_id": "review_contest"}, ("office_admin", "reviewer"), ("GET", "POST"),
          department_owned=True),
    Route("review.evidence_file", {"evidence_id": "review_evidence"},
          ("office_admin", "reviewer", "viewer", "dept_admin", "dept_editor", "dept_viewer"), department_owned=True),
    # review aids: office staff see flags (reviewers their assigned departments), departments never
    Route("reviewaids.campaign", {"campaign_id": "review_campaign"}, ("office_admin", "reviewer", "viewer")),
    *[Route(f"reviewaids.{e}", {"campaign_id": "review_campaign"}, ("office_admin",), ("POST",))
      for e in ("run", "settings")],
    Route("reviewaids.dismiss", {"flag_id": "review_flag"}, ("office_admin", "reviewer"), ("GET", "POST"),
          department_owned=True),
    Route("audit.index", allowed=("office_admin",)),
    Route("audit.export", allowed=("office_admin",), extra={"fmt": "csv"}),
    # administration (foundation)
    Route("admin.offices", allowed=("platform_admin",), methods=("GET", "POST")),
    Route("admin.groups", allowed=("office_admin",), methods=("GET", "POST")),
    Route("admin.rename_group", {"group_id": "group"}, ("office_admin",), ("POST",)),
    Route("admin.departments", allowed=("office_admin",), methods=("GET", "POST")),
    Route("admin.edit_department", {"dept_id": "department"}, ("office_admin",), ("GET", "POST")),
    Route("admin.toggle_department", {"dept_id": "department"}, ("office_admin",), ("POST",)),
    Route("admin.import_departments", allowed=("office_admin",), methods=("GET", "POST")),
    Route("admin.confirm_import", allowed=("office_admin",), methods=("POST",)),
    Route("admin.users", allowed=("office_admin", "dept_admin", "platform_admin"), methods=("GET", "POST")),
    Route("admin.edit_user", {"user_id": "user_dept_a"}, ("office_admin", "dept_admin"), ("GET", "POST"),
          department_owned=True),
    Route("admin.toggle_user", {"user_id": "user_dept_a"}, ("office_admin", "dept_admin"), ("POST",),
          department_owned=True),
    Route("admin.password_link", {"user_id": "user_dept_a"}, ("office_admin", "dept_admin"), ("POST",),
          department_owned=True),
    # rubrics
    Route("rubrics.index", allowed=("office_admin", "reviewer", "viewer")),
    *[Route(f"rubrics.{e}", allowed=("office_admin",), methods=("POST",)) for e in ("upload", "add_shipped")],
    *[Route(f"rubrics.{e}", {"rubric_id": "rubric"}, ("office_admin", "reviewer", "viewer")) for e in ("show", "download")],
    Route("rubrics.edit", {"rubric_id": "rubric"}, ("office_admin",), ("GET", "POST")),
    Route("rubrics.replay", allowed=("office_admin",)),
    # campaigns, self-assessment, evidence
    Route("campaigns.index", allowed=("office_admin", "reviewer", "viewer", "dept_admin", "dept_editor", "dept_viewer")),
    Route("campaigns.create", allowed=("office_admin",), methods=("GET", "POST")),
    Route("campaigns.detail", {"campaign_id": "campaign"}, ("office_admin", "reviewer", "viewer")),
    *[Route(f"campaigns.{e}", {"campaign_id": "campaign"}, ("office_admin",), ("POST",))
      for e in ("transition", "dates", "join")],
    Route("campaigns.rubric_switch", {"campaign_id": "campaign"}, ("office_admin",), ("GET", "POST")),
    Route("selfassessment.index", allowed=("office_admin", "reviewer", "viewer", "dept_admin", "dept_editor", "dept_viewer")),
    *[Route(f"selfassessment.{e}", {"submission_id": "submission_a"},
            ("office_admin", "reviewer", "viewer", "dept_admin", "dept_editor", "dept_viewer"), department_owned=True)
      for e in ("form", "readiness", "export", "pdf")],
    *[Route(f"selfassessment.{e}", {"submission_id": "submission_a"}, ("dept_admin", "dept_editor"), ("POST",),
            department_owned=True, extra={"code": "A1"}) for e in ("save", "autosave", "confirm")],
    *[Route(f"selfassessment.{e}", {"submission_id": "submission_a"}, ("dept_admin", "dept_editor"), ("POST",),
            department_owned=True) for e in ("send", "prefill", "upload_confirm")],
    Route("selfassessment.upload", {"submission_id": "submission_a"}, ("dept_admin", "dept_editor"), ("GET", "POST"),
          department_owned=True),
    *[Route(f"selfassessment.{e}", {"submission_id": "submission_a"}, ("dept_admin",), ("POST",),
            department_owned=True) for e in ("submit", "leader_return")],
    Route("selfassessment.office_return", {"submission_id": "submission_a"}, ("office_admin",), ("POST",),
          department_owned=True),
    *[Route(f"evidence.{e}", {"submission_id": "submission_a"}, ("dept_admin", "dept_editor"), ("POST",),
            department_owned=True, extra={"code": "A1"}) for e in ("upload", "add_link")],
    Route("evidence.remove", {"evidence_id": "evidence_a"}, ("dept_admin", "dept_editor"), ("POST",),
          department_owned=True),
    *[Route(f"evidence.{e}", {"evidence_id": "evidence_a"},
            ("office_admin", "reviewer", "viewer", "dept_admin", "dept_editor", "dept_viewer"), department_owned=True)
      for e in ("download", "preview")],
    # holidays: the installation's table is the platform administrator's; an office's own days its own
    Route("holidays.index", allowed=("platform_admin",)),
    Route("holidays.year", allowed=("platform_admin",), extra={"year": "2026"}),
    Route("holidays.import_year", allowed=("platform_admin",), methods=("GET", "POST")),
    Route("holidays.confirm_import", allowed=("platform_admin",), methods=("POST",)),
    Route("holidays.office", allowed=("office_admin", "reviewer", "viewer")),
    Route("holidays.add_office_day", allowed=("office_admin",), methods=("POST",)),
    Route("holidays.delete_office_day", {"day_id": "office_day"}, ("office_admin",), ("POST",)),
    # rectification
    Route("rectification.notices", allowed=("office_admin", "reviewer", "viewer", "dept_admin", "dept_editor", "dept_viewer")),
    Route("rectification.generate", allowed=("office_admin",), methods=("GET", "POST")),
    Route("rectification.new", allowed=("office_admin",), methods=("GET", "POST")),
    Route("rectification.send_bulk", allowed=("office_admin",), methods=("POST",)),
    Route("rectification.ledger", allowed=("office_admin", "reviewer", "viewer")),
    Route("rectification.show", {"notice_id": "rect_notice"}, ("office_admin", "reviewer", "viewer", "dept_admin", "dept_editor", "dept_viewer"), department_owned=True),
    *[Route(f"rectification.{e}", {"notice_id": "rect_notice"}, ("office_admin",), ("POST",), department_owned=True)
      for e in ("edit_notice", "add_item", "merge", "send", "close")],
    *[Route(f"rectification.{e}", {"item_id": "rect_item"}, ("office_admin",), ("POST",), department_owned=True)
      for e in ("edit_item", "delete_item")],
    Route("rectification.check", {"item_id": "rect_item"}, ("office_admin", "reviewer"), ("POST",),
          department_owned=True),
    *[Route(f"rectification.{e}", {"item_id": "rect_item"}, ("dept_admin", "dept_editor"), ("POST",),
            department_owned=True) for e in ("answer", "add_evidence")],
    Route("rectification.leader_return", {"item_id": "rect_item"}, ("dept_admin",), ("POST",), department_owned=True),
    Route("rectification.pdf", {"notice_id": "rect_notice"}, ("office_admin", "reviewer", "viewer", "dept_admin", "dept_editor", "dept_viewer"), department_owned=True),
    Route("rectification.evidence_file", {"evidence_id": "rect_evidence"}, ("office_admin", "reviewer", "viewer", "dept_admin", "dept_editor", "dept_viewer"), department_owned=True),
    Route("rectification.delete_evidence", {"evidence_id": "rect_evidence"}, ("dept_admin", "dept_editor"), ("POST",),
          department_owned=True),
    # notifications: everyone reads only their own (another user's id is a 404); the office sends 催报
    Route("notify.index", allowed=("office_admin", "reviewer", "viewer", "dept_admin", "dept_editor", "dept_viewer")),
    Route("notify.read_all", allowed=("office_admin", "reviewer", "viewer", "dept_admin", "dept_editor", "dept_viewer"),
          methods=("POST",)),
    Route("notify.read", {"notification_id": "notification"}, ("dept_editor",), ("POST",), department_owned=True),
    Route("notify.remind", {"campaign_id": "campaign"}, ("office_admin",), ("GET", "POST")),
    Route("notify.settings", allowed=("office_admin", "reviewer", "viewer", "dept_admin", "dept_editor", "dept_viewer"),
          methods=("GET", "POST")),
    Route("notify.robot", allowed=("office_admin",), methods=("GET", "POST")),
    Route("notify.deliveries", allowed=("office_admin",)),
    Route("notify.retry", {"delivery_id": "notification_delivery"}, ("office_admin",), ("POST",)),
    # the office's reminder rules and who was reminded when (office administrator only)
    Route("notify.reminder_settings", allowed=("office_admin",), methods=("GET", "POST")),
    Route("notify.reminders", {"campaign_id": "campaign"}, ("office_admin",)),
    # ranking
    Route("ranking.index", allowed=("office_admin", "reviewer", "viewer", "dept_admin", "dept_editor", "dept_viewer")),
    Route("ranking.show", {"campaign_id": "ranking_campaign"},
          ("office_admin", "reviewer", "viewer", "dept_admin", "dept_editor", "dept_viewer")),
    Route("ranking.analysis", {"campaign_id": "ranking_campaign"},
          ("office_admin", "reviewer", "viewer", "dept_admin", "dept_editor", "dept_viewer")),
    Route("ranking.publish", {"campaign_id": "ranking_campaign"}, ("office_admin",), ("POST",)),
    Route("ranking.export", {"campaign_id": "ranking_campaign"}, ("office_admin", "reviewer", "viewer"),
          extra={"kind": "problems", "fmt": "csv"}),
]

# --- JSON API (/api/v1) and the API token pages ---------------------------------------------------------------
# The API authenticates by bearer token only (a browser session gets 401 there by design), so the session-based
# harness above cannot walk it: tests/test_api_isolation.py walks API_ROUTES with tokens of the same users, by
# the same rules (roles not in ``allowed``, office B, the platform administrator, department B for department
# A's objects → 401/403/404; list pages never show the markers).
ALL_ROLE_KEYS = OFFICE_ROLE_KEYS + DEPT_A_ROLE_KEYS
OBJECTS["api_token"] = lambda w: __import__("assess.api.services", fromlist=["x"]).create_token(
    w.tenant.users["dept_editor"], "isolation", days=30)[0]
ROUTES += [
    Route("api.tokens", allowed=ALL_ROLE_KEYS + ("platform_admin",), methods=("GET", "POST")),
    Route("api.revoke", {"token_id": "api_token"}, ("dept_editor",), ("POST",), department_owned=True),
]
_OFFICE_READERS = ALL_ROLE_KEYS  # department users see only their own department (scope)
API_ROUTES: list[Route] = [
    Route("api_v1.me", allowed=ALL_ROLE_KEYS + ("platform_admin",)),
    Route("api_v1.list_groups", allowed=_OFFICE_READERS),
    Route("api_v1.list_departments", allowed=_OFFICE_READERS),
    Route("api_v1.get_department", {"department_id": "department"}, _OFFICE_READERS, department_owned=True),
    Route("api_v1.import_departments", allowed=("office_admin",), methods=("POST",)),
    Route("api_v1.list_audit", allowed=("office_admin",)),
    # notifications: one's own only (another user's id is a 404); 催报 by the office
    Route("api_v1.list_notifications", allowed=ALL_ROLE_KEYS),
    Route("api_v1.read_notification", {"notification_id": "notification"}, ("dept_editor",), ("POST",),
          department_owned=True),
    Route("api_v1.send_reminders", {"campaign_id": "campaign"}, ("office_admin",), ("POST",)),
    # campaigns (tests/campaign_world.py objects: department A's submission and evidence carry the marker)
    Route("api_v1.list_rubrics", allowed=("office_admin",)),
    Route("api_v1.list_campaigns", allowed=ALL_ROLE_KEYS),
    Route("api_v1.create_campaign", allowed=("office_admin",), methods=("POST",)),
    Route("api_v1.get_campaign", {"campaign_id": "campaign"}, ALL_ROLE_KEYS),
    Route("api_v1.transition_campaign", {"campaign_id": "campaign"}, ("office_admin",), ("POST",)),
    Route("api_v1.list_campaign_submissions", {"campaign_id": "campaign"}, ALL_ROLE_KEYS),
    Route("api_v1.list_assignments", {"campaign_id": "campaign"}, ("office_admin", "reviewer")),
    Route("api_v1.create_assignment", {"campaign_id": "campaign"}, ("office_admin",), ("POST",)),
    # self-assessment and its evidence
    Route("api_v1.list_submissions", allowed=ALL_ROLE_KEYS),
    *[Route(f"api_v1.{e}", {"submission_id": "submission_a"}, ALL_ROLE_KEYS, department_owned=True)
      for e in ("get_submission", "readiness")],
    Route("api_v1.get_answer", {"submission_id": "submission_a"}, ALL_ROLE_KEYS, department_owned=True,
          extra={"code": "A1"}),
    Route("api_v1.put_answer", {"submission_id": "submission_a"}, ("dept_admin", "dept_editor"), ("PUT",),
          department_owned=True, extra={"code": "A1"}),
    *[Route(f"api_v1.{e}", {"submission_id": "submission_a"}, ("dept_admin", "dept_editor"), ("POST",),
            department_owned=True, extra={"code": "A1"}) for e in ("add_link", "add_file")],
    Route("api_v1.send", {"submission_id": "submission_a"}, ("dept_admin", "dept_editor"), ("POST",),
          department_owned=True),
    *[Route(f"api_v1.{e}", {"submission_id": "submission_a"}, ("dept_admin",), ("POST",), department_owned=True)
      for e in ("submit", "leader_return")],
    Route("api_v1.office_return", {"submission_id": "submission_a"}, ("office_admin",), ("POST",),
          department_owned=True),
    Route("api_v1.delete_evidence", {"evidence_id": "evidence_a"}, ("dept_admin", "dept_editor"), ("DELETE",),
          department_owned=True),
    Route("api_v1.download_evidence", {"evidence_id": "evidence_a"}, ALL_ROLE_KEYS, department_owned=True),
    # review (tests/review_factories.py objects)
    Route("api_v1.review_sheet", {"submission_id": "review_submission"}, ("office_admin", "reviewer"),
          department_owned=True),
    *[Route(f"api_v1.{e}", {"submission_id": "review_submission"}, ("office_admin", "reviewer"), (m,),
            department_owned=True, extra={"code": "A1"}) for e, m in (("put_score", "PUT"), ("lead_decision", "POST"))],
    Route("api_v1.results", {"submission_id": "review_submission"}, ALL_ROLE_KEYS, department_owned=True),
    # review aids (office readers; a reviewer reads their assigned departments only: tests/test_api_reviewaids.py)
    Route("api_v1.list_review_flags", {"campaign_id": "review_campaign"}, ("office_admin", "reviewer", "viewer")),
    # ranking (tests/ranking_world.py)
    Route("api_v1.ranking", {"campaign_id": "ranking_campaign"}, ALL_ROLE_KEYS),
    Route("api_v1.publish", {"campaign_id": "ranking_campaign"}, ("office_admin",), ("POST",)),
    Route("api_v1.publications", {"campaign_id": "ranking_campaign"}, ("office_admin", "reviewer", "viewer")),
    Route("api_v1.export_ranking", {"campaign_id": "ranking_campaign"}, ("office_admin", "reviewer", "viewer"),
          extra={"kind": "ranking", "fmt": "csv"}),
    # rectification (tests/test_rectification_support.py objects)
    Route("api_v1.list_notices", allowed=ALL_ROLE_KEYS),
    *[Route(f"api_v1.{e}", {"notice_id": "rect_notice"}, ALL_ROLE_KEYS, department_owned=True)
      for e in ("get_notice", "notice_pdf")],
    Route("api_v1.get_item", {"item_id": "rect_item"}, ALL_ROLE_KEYS, department_owned=True),
    Route("api_v1.answer_item", {"item_id": "rect_item"}, ("dept_admin", "dept_editor"), ("PUT",), department_owned=True),
    Route("api_v1.return_item", {"item_id": "rect_item"}, ("dept_admin",), ("POST",), department_owned=True),
    Route("api_v1.check_item", {"item_id": "rect_item"}, ("office_admin", "reviewer"), ("POST",), department_owned=True),
    *[Route(f"api_v1.{e}", {"item_id": "rect_item"}, ("dept_admin", "dept_editor"), ("POST",), department_owned=True)
      for e in ("add_item_evidence", "add_item_file")],
    Route("api_v1.rectification_file", {"evidence_id": "rect_evidence"}, ALL_ROLE_KEYS, department_owned=True),
    # documents (issued documents: office users only)
    Route("api_v1.list_documents", allowed=("office_admin", "reviewer", "viewer")),
    Route("api_v1.document_pdf", {"doc_id": "issued_document"}, ("office_admin", "reviewer", "viewer")),
]
EXEMPT.update({r.endpoint: "JSON API: walked with tokens by tests/test_api_isolation.py" for r in API_ROUTES})
EXEMPT.update({
    "api_v1.openapi": "public API description, no data",
    "api_v1.docs": "public API documentation, no data",
})
# --- end of the JSON API block

# --- imports (issue #11): department A's summary import and annual report carry the DEPT marker -----------------
OBJECTS["import_a"] = lambda w: __import__("tests.imports_world", fromlist=["x"]).isolation_import(w)
OBJECTS["report_a"] = lambda w: __import__("tests.imports_world", fromlist=["x"]).isolation_report(w)
_IMPORT_READERS = ("office_admin", "reviewer", "viewer", "dept_admin", "dept_editor", "dept_viewer")
ROUTES += [
    Route("imports.index", allowed=_IMPORT_READERS),
    Route("imports.summary", {"submission_id": "submission_a"}, ("dept_admin", "dept_editor"), ("GET", "POST"),
          department_owned=True),
    Route("imports.review", {"import_id": "import_a"}, ("dept_admin", "dept_editor"), department_owned=True),
    Route("imports.decide", {"import_id": "import_a"}, ("dept_admin", "dept_editor"), ("POST",),
          department_owned=True, extra={"code": "E1"}),
    Route("imports.reports", allowed=("dept_admin", "dept_editor"), methods=("GET", "POST")),
    Route("imports.overview", allowed=("office_admin", "reviewer", "viewer", "dept_viewer")),  # dept: redirected
    *[Route(f"imports.{e}", {"report_id": "report_a"}, _IMPORT_READERS, department_owned=True)
      for e in ("report", "report_file")],
    Route("imports.report_use", {"report_id": "report_a"}, ("dept_admin", "dept_editor"), ("POST",),
          department_owned=True),
]

# --- documents (issue #8): office A's published campaign, its sent notice to department A (problem text carries the
# DEPT marker), an issued score sheet of department A ("issued_document") and a bulk job. Office users only,
# except the register and issued documents: department users read their own department's (and circulars).
_DOCS = "tests.test_documents_app_support"
OBJECTS["doc_campaign"] = lambda w: __import__(_DOCS, fromlist=["x"]).isolation_campaign(w)
OBJECTS["doc_notice"] = lambda w: __import__(_DOCS, fromlist=["x"]).notice_of(w.obj("doc_campaign"), w.tenant.dept_a)
OBJECTS["issued_document"] = lambda w: __import__(_DOCS, fromlist=["x"]).isolation_document(w)
OBJECTS["doc_job"] = lambda w: __import__(_DOCS, fromlist=["x"]).isolation_job(w)
_DOC_READERS = ("office_admin", "reviewer", "viewer")
ROUTES += [
    Route("documents.index", allowed=_DOC_READERS + ("dept_admin", "dept_editor", "dept_viewer")),
    Route("documents.settings", allowed=("office_admin",), methods=("GET", "POST")),
    Route("documents.upload_seal", allowed=("office_admin",), methods=("POST",)),
    Route("documents.seal", allowed=("office_admin",)),
    Route("documents.campaign", {"campaign_id": "doc_campaign"}, _DOC_READERS),
    Route("documents.circular", {"campaign_id": "doc_campaign"}, ("office_admin",), ("GET", "POST")),
    Route("documents.preview_circular", {"campaign_id": "doc_campaign"}, ("office_admin",)),
    *[Route(f"documents.{e}", {"campaign_id": "doc_campaign"}, ("office_admin",), ("POST",))
      for e in ("issue_circular", "bulk")],
    Route("documents.preview_notice", {"notice_id": "doc_notice"}, ("office_admin",), department_owned=True),
    Route("documents.issue_notice", {"notice_id": "doc_notice"}, ("office_admin",), ("POST",), department_owned=True),
    Route("documents.preview_scoresheet", {"campaign_id": "doc_campaign", "department_id": "department"},
          ("office_admin",), department_owned=True),
    Route("documents.issue_scoresheet", {"campaign_id": "doc_campaign", "department_id": "department"},
          ("office_admin",), ("POST",), department_owned=True),
    *[Route(f"documents.{e}", {"doc_id": "issued_document"},
            _DOC_READERS + ("dept_admin", "dept_editor", "dept_viewer"), department_owned=True)
      for e in ("show", "download")],
    *[Route(f"documents.{e}", {"job_id": "doc_job"}, ("office_admin",)) for e in ("job", "job_status", "job_download")],
]
EXEMPT["documents.verify"] = ("public verification page by design: an unscoped look-up by an unguessable code that shows "
                              "only number, kind, issuer, date and checksum (tests/test_documents_app_verify.py)")
