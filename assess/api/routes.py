"""The user's API tokens: create (shown once), list, revoke. Reached from the account menu."""
from __future__ import annotations

from flask import Blueprint, abort, make_response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..models.base import utcnow
from . import services
from .forms import EmptyForm, TokenForm

bp = Blueprint("api", __name__, url_prefix="/account/api-tokens")


@bp.route("", methods=["GET", "POST"])
@login_required
def tokens():
    form = TokenForm()
    created = None
    if form.validate_on_submit():
        try:
            token, raw = services.create_token(current_user, form.name.data, days=int(form.days.data))
        except services.TokenError as exc:
            target = getattr(form, exc.field, None) if exc.field else None
            if target is not None:
                target.errors = list(target.errors) + [str(exc)]
            else:
                flash(str(exc), "error")
        else:
            db.session.commit()
            # Shown once, on this response only (not flashed into the session cookie, not redirected).
            created = {"name": token.name, "secret": raw, "expires_at": token.expires_at}
            form = TokenForm(formdata=None)
    resp = make_response(render_template("api/tokens.html", form=form, created=created,
                                         tokens=services.user_tokens(current_user), revoke_form=EmptyForm(),
                                         now=utcnow()))
    resp.headers["Cache-Control"] = "no-store"
    return resp


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
