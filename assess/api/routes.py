"""The user's API tokens: create (shown once), list, revoke. Reached from the account menu."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.passwords import verify_password
from ..extensions import db, limiter
from ..models.base import utcnow
from . import services
from .forms import EmptyForm, TokenForm

bp = Blueprint("api", __name__, url_prefix="/account/api-tokens")


def _password_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _password_key() -> str:
    """Wrong passwords on this page are counted per account, like failed log-ins."""
    return f"api-token|{current_user.get_id() if current_user.is_authenticated else ''}"


@bp.route("", methods=["GET", "POST"])
@login_required
@limiter.limit(_password_limit, methods=["POST"], key_func=_password_key,
               deduct_when=lambda resp: bool(g.get("wrong_password")))
def tokens():
    form = TokenForm()
    created = None
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.password.data):
            g.wrong_password = True
            form.password.errors = list(form.password.errors) + [_("当前密码不正确。")]
        else:
            created = _create(form)
            if created:
                form = TokenForm(formdata=None)
    resp = make_response(render_template("api/tokens.html", form=form, created=created,
                                         tokens=services.user_tokens(current_user), revoke_form=EmptyForm(),
                                         now=utcnow()))
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _create(form: TokenForm) -> dict | None:
    """Create the token the form asks for; the secret to show once, or None (errors are on the form)."""
    try:
        token, raw = services.create_token(current_user, form.name.data, days=int(form.days.data))
    except services.TokenError as exc:
        target = getattr(form, exc.field, None) if exc.field else None
        if target is not None:
            target.errors = list(target.errors) + [str(exc)]
        else:
            flash(str(exc), "error")
        return None
    db.session.commit()
    # Shown once, on this response only (not flashed into the session cookie, not redirected).
    return {"name": token.name, "secret": raw, "expires_at": token.expires_at}


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    form = EmptyForm()
    if not form.validate_on_submit():
        flash(_("请求已过期，请重试。"), "error")
        return redirect(url_for("api.tokens"))
    try:
        token = services.revoke_token(current_user, token_id)
    except services.TokenError:
        abort(404)  # not one of the caller's tokens
    db.session.commit()
    flash(_("令牌“%(name)s”已撤销。", name=token.name), "success")
    return redirect(url_for("api.tokens"))
