"""Template ``_()`` (assess/i18n.py): translated per request, variables escaped, language switches honoured."""
from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale, refresh

TEMPLATE = '{{ _("已完成 %(d)s / %(t)s 项", d=d, t=3) }}'


def test_chinese_by_default_and_variables_are_escaped(app):
    with app.test_request_context("/"):
        out = render_template_string(TEMPLATE, d="<b>1</b>")
    assert out == "已完成 &lt;b&gt;1&lt;/b&gt; / 3 项"


def test_english_inside_force_locale_and_chinese_again_after_it(app):
    with app.test_request_context("/"):
        before = render_template_string(TEMPLATE, d=1)  # caches the Chinese translations for the request
        with force_locale("en"):
            inside = render_template_string(TEMPLATE, d=1)
        after = render_template_string(TEMPLATE, d=1)
    assert (before, inside, after) == ("已完成 1 / 3 项", "1 / 3 items complete", "已完成 1 / 3 项")


def test_refresh_after_a_locale_change_takes_effect_in_the_same_request(app):
    from flask import session

    with app.test_request_context("/"):
        assert render_template_string(TEMPLATE, d=1) == "已完成 1 / 3 项"
        session["locale"] = "en"
        refresh()
        assert render_template_string(TEMPLATE, d=1) == "1 / 3 items complete"


def test_trans_blocks_and_plain_strings_still_work(app):
    with app.test_request_context("/"):
        assert render_template_string('{{ gettext("保存") }}|{% trans %}保存{% endtrans %}') == "保存|保存"
        with force_locale("en"):
            assert render_template_string('{{ _("保存") }}') == "Save"
