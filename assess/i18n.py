"""Template gettext that looks the request's translations up once, not once per string.

Flask-Babel's template callables resolve the domain, the locale and the translations cache for every
``_()`` in a template, and Jinja's ``_`` alias is a context function, which inside a loop derives a new
context per call; the self-assessment form has ~900 of them, a third of its rendering time. Here ``_``
and ``gettext`` are plain functions with Jinja's "newstyle" behaviour (the translation is markup, the
variables are escaped into it — every template of the app is autoescaped, being ``.html``). The translations object is kept where Flask-Babel itself keeps per-request state
(``g._flask_babel.babel_translations``): ``flask_babel.refresh()`` deletes it and ``force_locale()``
clears and restores it, so switching the language inside a request still takes effect.
"""
from __future__ import annotations

from babel.support import NullTranslations
from flask import Flask, g
from flask_babel import get_translations
from markupsafe import Markup


def request_translations() -> NullTranslations:
    try:
        ctx = g._flask_babel  # one proxy look-up: this runs for every string of every page
    except (AttributeError, RuntimeError):  # the request's first string (Babel makes its state), or no app
        return get_translations()
    cached = getattr(ctx, "babel_translations", None)
    if cached is None:
        cached = ctx.babel_translations = get_translations()
    return cached


def template_gettext(string: str, **variables: object) -> Markup:
    """``_("…%(n)s…", n=x)`` in a template: translated, then formatted with escaped variables."""
    return Markup(request_translations().ugettext(string)) % variables


def install(app: Flask) -> None:
    """Replace the template gettext callables installed by Flask-Babel (same behaviour, cached lookup)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext)
