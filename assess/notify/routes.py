"""The notification centre (/notifications) and the office's 催报 action.

A user only ever reaches their own notifications: another user's id is a 404, like another tenant's row.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..models import Campaign, NotificationDelivery, Role
from ..tenancy.permissions import roles_required
from ..tenancy.roles import TENANT_ROLES
from ..tenancy.scope import get_scoped_or_404
from ..web import commit_or_flash
from . import kinds, outbox, schedule, services
from .forms import MarkReadForm, ReminderSettingsForm, RemindForm, RobotForm, SettingsForm

bp = Blueprint("notify", __name__)


@bp.app_context_processor
def _bell() -> dict:
    """``unread_notifications()`` for the header: called only where the bell is drawn (one COUNT)."""
    return {"unread_notifications": lambda: services.unread_count(current_user)
            if current_user.is_authenticated else 0,
            "reminder_log": schedule.reminder_log, "notification_kind": kinds.label}


@bp.route("/notifications")
@roles_required(*TENANT_ROLES)
def index():
    return render_template("notify/list.html", notifications=services.notifications_for(current_user),
                           form=MarkReadForm())


def _safe_link(link: str) -> str:
    """Only paths inside the app (never another site)."""
    return link if link.startswith("/") and not link.startswith("//") else url_for("notify.index")


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@roles_required(*TENANT_ROLES)
def read(notification_id: int):
    notification = services.own_notification(current_user, notification_id)
    if notification is None:
        abort(404)
    if not MarkReadForm().validate_on_submit():
        flash(_("请求有误，请重试。"), "error")
        return redirect(url_for("notify.index"))
    services.mark_read(notification)
    db.session.commit()
    if request.form.get("open") and notification.link:
        return redirect(_safe_link(notification.link))
    return redirect(url_for("notify.index"))


@bp.route("/notifications/read-all", methods=["POST"])
@roles_required(*TENANT_ROLES)
def read_all():
    if not MarkReadForm().validate_on_submit():
        flash(_("请求有误，请重试。"), "error")
        return redirect(url_for("notify.index"))
    n = services.mark_all_read(current_user)
    db.session.commit()
    flash(_("已将%(n)s条通知标为已读。", n=n), "success")
    return redirect(url_for("notify.index"))


@bp.route("/campaigns/<int:campaign_id>/remind", methods=["GET", "POST"])
@roles_required(Role.OFFICE_ADMIN)
def remind(campaign_id: int):
    """催报 now. The campaign page carries the same form; a refusal comes back here with what was typed."""
    campaign = get_scoped_or_404(Campaign, campaign_id)
    pending = services.remindable(campaign)
    form = RemindForm()
    form.submission_ids.choices = [(s.id, s.department_name) for s in pending]
    if request.method == "GET":
        form.submission_ids.data = [s.id for s in pending]
    if form.validate_on_submit():
        sent = commit_or_flash(
            lambda: services.send_reminder(campaign, form.submission_ids.data or [], actor=current_user,
                                           message=form.message.data or ""),
            lambda made: _("已催报，%(n)s位部门人员将在通知中心看到提醒。", n=len(made)),
            refused=(services.NotifyError,), form=form)
        if sent:
            return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    status = 422 if request.method == "POST" else 200
    return render_template("notify/remind.html", campaign=campaign, form=form, pending=pending), status


# --- 通知设置: the user's channels and mutes; the office's robot and failed deliveries -----------------------------


@bp.route("/notifications/settings", methods=["GET", "POST"])
@roles_required(*TENANT_ROLES)
def settings():
    """The user's own choices (no id: nobody reaches another user's)."""
    form = SettingsForm()
    form.muted.choices = [(k, kinds.label(k)) for k in kinds.mutable_kinds()]
    if request.method == "GET":
        pref = outbox.preference_of(current_user)
        form.email.data = current_user.email or ""
        form.email_enabled.data = bool(current_user.email) and (pref.email_enabled if pref else True)
        form.muted.data = sorted(outbox.muted_kinds(current_user) & set(kinds.mutable_kinds()))
    if form.validate_on_submit():
        done = commit_or_flash(
            lambda: outbox.save_preferences(current_user, email=form.email.data or "",
                                            email_enabled=form.email_enabled.data, muted=form.muted.data or []),
            _("通知设置已保存。"), refused=(outbox.OutboxError,), form=form)
        if done:
            return redirect(url_for("notify.settings"))
    status = 422 if request.method == "POST" else 200
    return render_template("notify/settings.html", form=form,
                           essential=[kinds.label(k) for k in kinds.essential_kinds()]), status


@bp.route("/notifications/robot", methods=["GET", "POST"])
@roles_required(Role.OFFICE_ADMIN)
def robot():
    """The office's group robot (URL and optional signing secret)."""
    saved = outbox.robot_of(current_user.office_id)
    form = RobotForm()
    if request.method == "GET" and saved is not None:
        form.url.data, form.enabled.data = saved.url, saved.enabled
    if form.validate_on_submit():
        done = commit_or_flash(
            lambda: outbox.save_robot(current_user.office_id, url=form.url.data or "", secret=form.secret.data or "",
                                      clear_secret=form.clear_secret.data, enabled=form.enabled.data,
                                      actor=current_user),
            _("群机器人设置已保存。"), refused=(outbox.OutboxError,), form=form)
        if done:
            return redirect(url_for("notify.robot"))
    status = 422 if request.method == "POST" else 200
    return render_template("notify/robot.html", form=form, saved=saved), status


@bp.route("/notifications/deliveries")
@roles_required(Role.OFFICE_ADMIN)
def deliveries():
    """The office's deliveries at a glance, and the ones that failed for good (with the error, to retry)."""
    office_id = current_user.office_id
    return render_template("notify/deliveries.html", counts=outbox.delivery_counts(office_id),
                           failed=outbox.failed_deliveries(office_id), form=MarkReadForm(),
                           robot=outbox.robot_of(office_id), kind_label=kinds.label)


@bp.route("/notifications/deliveries/<int:delivery_id>/retry", methods=["POST"])
@roles_required(Role.OFFICE_ADMIN)
def retry(delivery_id: int):
    delivery = get_scoped_or_404(NotificationDelivery, delivery_id)
    if not MarkReadForm().validate_on_submit():
        flash(_("请求有误，请重试。"), "error")
        return redirect(url_for("notify.deliveries"))
    if outbox.retry_delivery(delivery, actor=current_user):
        db.session.commit()
        flash(_("已重新排队，将在下一次发送时投递。"), "success")
    else:
        flash(_("该投递不是失败状态，无需重试。"), "error")
    return redirect(url_for("notify.deliveries"))


@bp.route("/notifications/reminder-settings", methods=["GET", "POST"])
@roles_required(Role.OFFICE_ADMIN)
def reminder_settings():
    """The office's reminder rules: days before a deadline, escalation to the department's administrator."""
    form = ReminderSettingsForm()
    row = schedule.settings_of(current_user.office_id)
    if request.method == "GET":
        rules = schedule.rules_for(current_user.office_id)
        form.days_before.data = schedule.format_days(rules.days_before)
        form.escalate_after.data = str(rules.escalate_after)
        form.version.data = str(row.version_id) if row else ""
    if form.validate_on_submit():
        saved = commit_or_flash(
            lambda: schedule.save_settings(current_user.office_id, days_before=form.days_before.data or "",
                                           escalate_after=form.escalate_after.data, actor=current_user,
                                           version=form.version.data),
            _("提醒设置已保存。"), refused=(services.NotifyError,), form=form)
        if saved:
            return redirect(url_for("notify.reminder_settings"))
    status = 422 if request.method == "POST" else 200
    return render_template("notify/reminder_settings.html", form=form, row=row), status


@bp.route("/campaigns/<int:campaign_id>/reminders")
@roles_required(Role.OFFICE_ADMIN)
def reminders(campaign_id: int):
    """Who was reminded of the campaign's self-assessment, when, and by which reminder (催报, before the
    deadline, overdue)."""
    campaign = get_scoped_or_404(Campaign, campaign_id)
    return render_template("notify/reminders.html", campaign=campaign, entries=schedule.reminder_log(campaign))
