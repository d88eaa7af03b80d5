"""Assess — 政务公开绩效考核平台. The application factory."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, g, request, session
from flask_login import current_user

from .config import load_config
from .extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, CLI, error pages — and nothing else."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(load_config(Path(app.instance_path), overrides))
    if overrides:
        app.config.update(overrides)
    app.config["MAX_CONTENT_LENGTH"] = (app.config["MAX_UPLOAD_MB"] + 2) * 1024 * 1024
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    if app.config.get("PROXY_COUNT"):
        # behind N proxies (load balancer, HTTPS terminator) the client's address, scheme and host are in
        # their X-Forwarded-* headers: rate limits per address, the audit log's address and Secure cookies
        # need them; trusted from exactly that many hops, never from the client itself
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    if app.config.get("PASSWORD_HASH_FAST"):
        from .auth.passwords import use_fast_hasher

        use_fast_hasher()
    _init_extensions(app)
    _wire_capabilities()
    from .web import install_id_converter

    install_id_converter(app)  # every <int:…> of every route: ids beyond the database's range are a 404
    _register_blueprints(app)
    _register_cli(app)
    _register_hooks(app)
    return app


def _init_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (every table registered before migrate)
    from .db_setup import configure_engine
    from .tenancy import scope

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    _log_limiter_warnings()
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"])
    from . import i18n

    i18n.install(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    # No Flask-Login "session protection": with permanent sessions its "strong" mode only marks a copied
    # cookie "not fresh". What ends a session is assess/auth/sessions.py (lifetime, idle time, version).
    login_manager.session_protection = None
    with app.app_context():
        configure_engine(db.engine)
    scope.install()

    @login_manager.user_loader
    def _load_user(ident: str):
        from sqlalchemy import select

        from .models import User

        try:
            user_id, version = (int(x) for x in ident.split(":"))
        except ValueError:
            return None
        user = db.session.scalars(select(User).where(User.id == user_id).execution_options(unscoped=True)).first()
        if user is None or user.session_version != version or not user.active:
            return None
        return user


def _log_limiter_warnings() -> None:
    """Flask-Limiter's own log (Redis unreachable → counting in memory; Redis back) goes where the app's log
    goes (the WSGI server's error log): it ships only a NullHandler, and an operator must see the fallback."""
    import logging

    from flask.logging import default_handler

    log = logging.getLogger("flask-limiter")
    if default_handler not in log.handlers:
        log.addHandler(default_handler)
        log.setLevel(logging.INFO)


def _wire_capabilities() -> None:
    """Rules one capability adds to another, registered here and not as side effects of imports:

    - the ranking's department sums follow every flush of indicator results (``after_flush`` hook,
      :mod:`assess.ranking.sums`), so the services that write scores never call the ranking; the bulk
      review writes rows past the ORM and calls the sums through its own hook
      (:data:`assess.review.results.AFTER_BULK_RESULTS`);
    - the campaign state machine refuses re-check and publication while reviews or contests are open
      (:data:`assess.campaigns.services.PRECONDITIONS`, checks from the review capability);
    - the review sheet shows the department's unresolved rectification items on the indicator
      (:data:`assess.review.routes.OPEN_ITEM_FINDERS`; the rectification builds on the review, not the reverse);
    - the self-assessment form says where an unconfirmed answer came from (a figure import, last year's copy:
      :data:`assess.selfassessment.routes.ORIGIN_FINDERS`; the imports build on the self-assessment);
    - the review sheet shows the review aids' flags on the indicator (:data:`assess.review.routes.SHEET_PANELS`;
      the review aids build on the review, not the reverse);
    - a change of the holiday calendar counts open rectification deadlines again
      (:data:`assess.holidays.services.AFTER_CHANGE`; the rectification counts on the calendar, not the reverse);
    - the review sheet flags an indicator whose self-reported figure differs from the department's own annual
      report (:data:`assess.review.routes.SOURCE_CHECKS`, :func:`assess.imports.cross_source.source_flags`);
    - a rectification notice sent notifies the department's users
      (:data:`assess.rectification.services.AFTER_SEND`; the notifications build on the rectification), and so
      do the other events (:mod:`assess.notify.events`): a campaign's steps (self-assessment opened, appeals
      opened, results published: :data:`assess.campaigns.services.AFTER_TRANSITION`), the self-assessment sent to
      or returned by the leader or the office (:data:`assess.selfassessment.flow.AFTER_STEP`), a reviewer assigned
      (:data:`assess.review.assignments.AFTER_ASSIGN`), a contest answered
      (:data:`assess.review.contests.AFTER_ANSWER`), a rectification item returned or accepted
      (:data:`assess.rectification.services.AFTER_ITEM`) and a set-password link issued
      (:data:`assess.auth.services.AFTER_LINK`);
    - a self-assessment submitted is checked by the review aids in the background
      (:data:`assess.selfassessment.flow.AFTER_SUBMIT`, :func:`assess.reviewaids.jobs.check_when_submitted`).
    """
    from .holidays.services import recount_with
    from .imports.cross_source import source_flags
    from .imports.services import unconfirmed_origins
    from .auth.services import after_link
    from .campaigns.services import after_transition
    from .notify import events
    from .notify.services import notice_sent
    from .review.assignments import after_assign
    from .review.contests import after_answer
    from .selfassessment.flow import after_step
    from .ranking import sums
    from .rectification.services import after_item, after_send, open_items_for, recount_deadlines
    from .review.results import after_bulk_results
    from .review.routes import (show_evidence_marks_from, show_open_items_from, show_panels_from,
                                show_source_checks_from)
    from .reviewaids.jobs import check_when_submitted
    from .reviewaids.routes import evidence_marks, sheet_panel
    from .review.services import register_preconditions
    from .selfassessment.flow import after_submit
    from .selfassessment.routes import show_origins_from

    sums.install()
    after_bulk_results(sums.refresh)
    register_preconditions()
    show_open_items_from(open_items_for)
    show_panels_from(sheet_panel)
    show_evidence_marks_from(evidence_marks)
    show_origins_from(unconfirmed_origins)
    recount_with(recount_deadlines)
    show_source_checks_from(source_flags)
    after_send(notice_sent)
    after_transition(events.campaign_moved)
    after_step(events.submission_step)
    after_assign(events.review_assigned)
    after_answer(events.contest_answered)
    after_item(events.item_changed)
    after_link(events.password_link_issued)
    after_submit(check_when_submitted)


def _select_locale() -> str:
    from flask import current_app, has_request_context

    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith("/api/"):  # API clients choose by Accept-Language, never by a session
        return (request.accept_languages.best_match(current_app.config["LANGUAGES"])
                or current_app.config["BABEL_DEFAULT_LOCALE"])
    chosen = session.get("locale")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _register_blueprints(app: Flask) -> None:
    from .admin.routes import bp as admin_bp
    from .api.resources import blueprint as api_v1_blueprint
    from .api.routes import bp as api_bp
    from .audit.routes import bp as audit_bp
    from .auth.routes import bp as auth_bp
    from .campaigns.routes import bp as campaigns_bp
    from .core.routes import bp as core_bp
    from .documents.routes import bp as documents_bp
    from .documents.routes import rectification_notice_pdf, selfassessment_pdf_page
    from .holidays.routes import bp as holidays_bp
    from .imports.routes import bp as imports_bp
    from .notify.routes import bp as notify_bp
    from .ranking.routes import bp as ranking_bp
    from .ranking.routes import replay_page
    from .rectification.routes import bp as rectification_bp
    from .review.routes import bp as review_bp
    from .reviewaids.routes import bp as reviewaids_bp
    from .rubrics.routes import bp as rubrics_bp
    from .selfassessment.evidence_routes import bp as evidence_bp
    from .selfassessment.routes import bp as selfassessment_bp
    from .selfassessment.switch_routes import rubric_switch_page

    for bp in (core_bp, auth_bp, admin_bp, ranking_bp, campaigns_bp, selfassessment_bp, evidence_bp, review_bp,
               audit_bp, rectification_bp, rubrics_bp, imports_bp, documents_bp, holidays_bp, reviewaids_bp, notify_bp, api_bp):
        app.register_blueprint(bp)
    app.register_blueprint(api_v1_blueprint())
    # Pages another capability produces keep the address of the pages that link to them; the capability
    # that links does not import the one that produces (tests/test_import_graph.py):
    # the rubrics' replay page is a ranking (assess.ranking.replay) ...
    app.add_url_rule("/rubrics/replay", endpoint="rubrics.replay", view_func=replay_page)
    # ... a rectification notice's PDF and the printable self-assessment table are documents.
    app.add_url_rule("/rectification/<int:notice_id>/pdf", endpoint="rectification.pdf",
                     view_func=rectification_notice_pdf)
    app.add_url_rule("/self/<int:submission_id>/selfassessment.pdf", endpoint="selfassessment.pdf",
                     view_func=selfassessment_pdf_page)
    # ... and moving a campaign to another rubric version rewrites answers: the self-assessment's.
    app.add_url_rule("/campaigns/<int:campaign_id>/rubric", endpoint="campaigns.rubric_switch",
                     view_func=rubric_switch_page, methods=["GET", "POST"])


def _register_cli(app: Flask) -> None:
    from .cli import register

    register(app)


def _register_hooks(app: Flask) -> None:
    from .auth.sessions import enforce as enforce_session_limits
    from .tenancy.scope import set_request_scope
    from .web import register_web_hooks

    app.before_request(enforce_session_limits)  # first: an expired session resolves no user below

    @app.before_request
    def _resolve_scope() -> None:
        # A request always resolves its own user: nothing cached on ``g`` by an enclosing app context
        # (tests, CLI-driven requests) may leak another user's identity or scope into it.
        g.pop("_login_user", None)
        g.pop("assess_scope", None)
        set_request_scope(current_user)

    register_web_hooks(app)
