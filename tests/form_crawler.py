"""What a browser sends when a person presses a button: the forms of a rendered page, serialised by the
HTML rules (successful controls, their rendered values, the pressed button's name and value, its
``formaction``/``formmethod``), with nothing added but what a person must type into a ``required`` field
that the page left empty (a browser refuses to send the form until they do).

Used by tests/test_form_crawler.py (the isolation registry's pages) and tests/test_demo_crawl.py (the demo).
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html

# A tiny but well-formed PDF: what a person attaches where a file is required.
SAMPLE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
TYPED_TEXT = "按要求填写的内容"
TYPED_PASSWORD = "Crawler-pass-2026!"
BUTTON_TYPES = {"submit", "image"}
SKIPPED_INPUT_TYPES = {"button", "reset"}


@dataclass
class BrowserSubmission:
    """One press of one button: where it goes and the fields a browser sends."""

    method: str
    url: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    files: list[tuple[str, str, bytes]] = field(default_factory=list)  # (name, filename, content)
    button: str = ""  # the button's text, for messages

    def signature(self) -> tuple:
        """Same action, same field names, same button: the same kind of submission (ids ignored)."""
        path = re.sub(r"\d+", "N", urlsplit(self.url).path)
        names = tuple(sorted({n for n, _ in self.fields} | {n for n, _, _ in self.files}))
        return self.method, path, names, re.sub(r"\d+", "N", self.button)

    def describe(self) -> str:
        return f"{self.method} {self.url} [{self.button or 'implicit submit'}]"


def _plausible(el, kind: str) -> str:
    """What a person types into an empty required field of this kind."""
    if kind == "number":
        low = el.get("min")
        return low if low not in (None, "") else "1"
    if kind == "date":
        return date.today().isoformat()
    if kind == "email":
        return "clerk@example.gov.cn"
    if kind == "url":
        return "https://www.example.gov.cn/xxgk/1.html"
    if kind == "password":
        return TYPED_PASSWORD
    return TYPED_TEXT


def _controls(doc, form) -> list:
    """The form's controls in tree order, including those outside it that name it with ``form=``."""
    owned = [el for el in form.iter("input", "select", "textarea", "button") if not el.get("form")]
    form_id = form.get("id")
    if form_id:
        outside = [el for el in doc.iter("input", "select", "textarea", "button") if el.get("form") == form_id]
        owned += [el for el in outside if el not in owned]
    return owned


def _select_values(el) -> list[str]:
    options = [o for o in el.iter("option") if o.get("disabled") is None]
    chosen = [o for o in options if o.get("selected") is not None]
    if not chosen and el.get("multiple") is None and options:
        chosen = options[:1]
    values = [o.get("value") if o.get("value") is not None else (o.text or "").strip() for o in chosen]
    if el.get("required") is not None and not any(values):
        usable = [o.get("value") for o in options if o.get("value")]
        values = usable[:1]
    return values


def _successful(doc, form) -> tuple[list[tuple[str, str]], list[tuple[str, str, bytes]], list]:
    """Fields and files every press of this form sends, and the form's submit buttons."""
    fields: list[tuple[str, str]] = []
    files: list[tuple[str, str, bytes]] = []
    buttons = []
    radio_required: dict[str, list] = {}
    for el in _controls(doc, form):
        tag = el.tag
        kind = (el.get("type") or ("submit" if tag == "button" else "text")).lower()
        if tag == "button" or (tag == "input" and kind in BUTTON_TYPES):
            if kind in BUTTON_TYPES and el.get("disabled") is None:
                buttons.append(el)
            continue
        name = el.get("name")
        if not name or el.get("disabled") is not None or kind in SKIPPED_INPUT_TYPES:
            continue
        required = el.get("required") is not None
        if tag == "select":
            fields += [(name, v) for v in _select_values(el)]
        elif tag == "textarea":
            value = el.text or ""
            fields.append((name, value if value.strip() or not required else TYPED_TEXT))
        elif kind in ("checkbox", "radio"):
            if el.get("checked") is not None:
                fields.append((name, el.get("value", "on")))
            elif required and kind == "checkbox":
                fields.append((name, el.get("value", "on")))
            elif required:
                radio_required.setdefault(name, []).append(el)
        elif kind == "file":
            files.append((name, "证明材料.pdf", SAMPLE_PDF) if required else (name, "", b""))
        else:
            value = el.get("value", "")
            fields.append((name, value if value.strip() or not required else _plausible(el, kind)))
    sent = {n for n, _ in fields}
    for name, radios in radio_required.items():
        if name not in sent:
            fields.append((name, radios[0].get("value", "on")))
    return fields, files, buttons


def submissions(page_html: str, page_url: str) -> list[BrowserSubmission]:
    """Every distinct press of every button of every form on the page."""
    doc = lxml_html.fromstring(page_html)
    out: list[BrowserSubmission] = []
    for form in doc.iter("form"):
        method = (form.get("method") or "get").upper()
        action = urljoin(page_url, form.get("action") or page_url)
        fields, files, buttons = _successful(doc, form)
        if not buttons:  # implicit submission (Enter in a text field)
            out.append(BrowserSubmission(method, action, list(fields), list(files)))
            continue
        for b in buttons:
            pressed = list(fields)
            if b.get("name"):
                pressed.append((b.get("name"), b.get("value", "")))
            label = " ".join((b.text_content() if b.tag == "button" else b.get("value", "")).split())
            out.append(BrowserSubmission((b.get("formmethod") or method).upper(),
                                         urljoin(page_url, b.get("formaction") or action) if b.get("formaction")
                                         else action, pressed, list(files), label or b.get("name", "")))
    return out


# --------------------------------------------------------------------------- sending and judging

BAD_REQUEST_TEXT = "请求有误"  # the 400 page's title and the generic refusal of an invalid form


def html_of(resp) -> str:
    if not (resp.mimetype or "").startswith("text/html"):
        return ""
    return resp.get_data(as_text=True)


def new_request() -> None:
    """Tests keep one app context open, so ``g`` outlives a request; a browser's next request starts
    afresh. Flask-WTF remembers the page's CSRF token in ``g``: forget it, or one user's page would
    carry the token of the previous user's session."""
    from flask import g, has_app_context

    if has_app_context():
        g.pop("csrf_token", None)


def get_page(client, url: str):
    new_request()
    return client.get(url, follow_redirects=True)


def send(client, sub: BrowserSubmission):
    new_request()
    if sub.method == "GET":  # a browser replaces the action's own query with the form's fields
        return client.get(sub.url.split("?")[0], query_string=sub.fields, follow_redirects=True)
    data: dict[str, list] = {}
    for name, value in sub.fields:
        data.setdefault(name, []).append(value)
    for name, filename, content in sub.files:
        data.setdefault(name, []).append((io.BytesIO(content), filename))
    return client.post(sub.url, data=data, content_type="multipart/form-data", follow_redirects=True)


def shown_errors(body: str) -> str:
    """The error messages a person would read on the answer, for the failure message."""
    if not body:
        return ""
    doc = lxml_html.fromstring(body)
    texts = [" ".join(e.text_content().split()) for e in doc.xpath('//*[contains(@class, "error")]')]
    return "; ".join(t for t in texts if t)[:300]


def problem_of(resp) -> str | None:
    """Why this answer fails a person, or None. A form sent back with what is wrong at its fields
    (whatever its status) is a good answer; the generic "请求有误" page or flash, a 400 that names no
    field, or a server error is not."""
    body = html_of(resp)
    if resp.status_code >= 500:
        return f"answered {resp.status_code}"
    if BAD_REQUEST_TEXT in body:
        return f"the answer says {BAD_REQUEST_TEXT} ({resp.status_code})"
    if resp.status_code == 400 and not shown_errors(body):
        return "answered 400 without saying what is wrong"
    if "Traceback" in body:
        return "the answer shows a traceback"
    return None


def markup_problems(body: str) -> list[str]:
    """What makes a page's form unusable by label (a click on the label, a screen reader): an id used
    twice, or a label whose ``for`` names no element of the page. (Hidden inputs are left out: nothing
    labels them, and WTForms gives every form's CSRF field the same id.)"""
    if not body:
        return []
    doc = lxml_html.fromstring(body)
    ids = [el.get("id") for el in doc.iter() if isinstance(el.tag, str) and el.get("id")
           and not (el.tag == "input" and (el.get("type") or "").lower() == "hidden")]
    seen, twice = set(), set()
    for i in ids:
        (twice if i in seen else seen).add(i)
    problems = [f"id {i!r} is used more than once" for i in sorted(twice)]
    problems += [f"label for={f!r} names no element" for f in doc.xpath("//label/@for") if f not in seen]
    return problems
