"""The one PDF entry point: Jinja2 templates in ``templates/pdf/`` → WeasyPrint → bytes.

Everything that turns plain data into an official document goes through
:func:`render_pdf` (and :func:`render_html` for a browser preview), so the security rules
live in one place:

* a Jinja2 environment of its own with autoescaping on and ``StrictUndefined`` — user text
  (names, problems, reasons) can never become markup, and a typo in a template fails loudly;
* the :class:`~assess.documents.fetcher.SafeURLFetcher`, which serves only ``templates/pdf``,
  the configured licensed-font folder and our own ``data:`` images.

Speed: each PDF has a fixed cost dominated by font loading and subsetting. We keep one
``FontConfiguration`` and the pre-parsed stylesheets per process (per ``FontSettings``), and
``libharfbuzz-subset0`` must be installed (see ``shared/STACK-NOTES.md``). Rendering holds a
lock because a ``FontConfiguration`` is not documented as thread-safe; gunicorn sync workers
and RQ jobs render one document at a time anyway.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from . import official
from .fetcher import SafeURLFetcher
from .fonts import FontSettings, font_face_css

__all__ = ["TEMPLATE_DIR", "FontSettings", "render_html", "render_pdf", "stylesheet_text"]

TEMPLATE_DIR: Path = Path(__file__).resolve().parents[2] / "templates" / "pdf"
BASE_CSS = "base.css"


def _group_consecutive(rows: Iterable[Any], attribute: str) -> list[tuple[Any, list[Any]]]:
    """Group rows by an attribute keeping their order (Jinja's ``groupby`` sorts them)."""
    return [(key, list(items)) for key, items in groupby(rows, key=lambda r: getattr(r, attribute))]


def _seal_url(data: bytes | None) -> str:
    return official.png_data_url(data) if data else ""


def _mark_style(mark: str, *, width_mm: float = 156.0) -> str:
    """Inline style of the red 发文机关标志: size and top margin computed from its length.

    The size is at most 15 mm and makes the mark fit the type area. The margin puts the
    visible top of the characters 35 mm below the type area (GB/T 9704 7.2.1): with
    ``line-height: 1`` the em box of Noto CJK sits 0.22 em below the top of the line box
    (measured with pdfplumber), so that much is taken off the 35 mm.
    """
    size = round(min(15.0, width_mm * 0.92 / max(len(mark), 1)), 2)
    return f"font-size: {size}mm; margin-top: {round(35 - 0.22 * size, 2)}mm"


_BETWEEN_TAGS = re.compile(r">\s+<")


def _spaceless(markup: str) -> Markup:
    """Drop whitespace between tags of already-rendered (escaped) template output.

    Needed for the 版记: WeasyPrint 70 lays out whitespace-only text between the blocks of a
    ``float: footnote`` element as full-height lines, which pushed the distribution block's
    rules ~25 mm apart. Only whitespace between ``>`` and ``<`` is removed, so escaped user
    text is untouched.
    """
    return Markup(_BETWEEN_TAGS.sub("><", str(markup)))


def _build_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,  # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    filters: dict[str, Callable[..., Any]] = {
        "cn_date": official.format_cn_date,
        "score": official.format_score,
        "cn_ordinal": official.cn_ordinal,
        "seal_url": _seal_url,
        "qr_svg": official.qr_svg_data_url,
        "qr_png": official.qr_png_data_url,
        "title_lines": official.title_lines,
        "spaceless": _spaceless,
    }
    env.filters.update(filters)
    env.globals.update(
        heading_label=official.heading_label,
        group_consecutive=_group_consecutive,
        mark_style=_mark_style,
    )
    return env


_ENV = _build_env()


@dataclass(frozen=True, slots=True)
class _Resources:
    """Per-process, per-FontSettings rendering state (parsed CSS, fonts, fetcher)."""

    font_config: FontConfiguration
    stylesheets: Sequence[CSS]
    fetcher: SafeURLFetcher
    css_text: str


_RESOURCES: dict[FontSettings, _Resources] = {}
_LOCK = threading.RLock()


def stylesheet_text(fonts: FontSettings | None = None) -> str:
    """The full CSS (font faces + base.css) as text, e.g. for a preview page."""
    return _resources(fonts).css_text


def _resources(fonts: FontSettings | None) -> _Resources:
    key = fonts or FontSettings()
    with _LOCK:
        res = _RESOURCES.get(key)
        if res is None:
            allowed = [TEMPLATE_DIR]
            if (font_dir := key.allowed_dir()) is not None:
                allowed.append(font_dir)
            fetcher = SafeURLFetcher(allowed)
            font_config = FontConfiguration()
            faces = font_face_css(key)
            base = (TEMPLATE_DIR / BASE_CSS).read_text(encoding="utf-8")
            base_url = TEMPLATE_DIR.as_uri() + "/"
            sheets = [CSS(string=base, base_url=base_url, url_fetcher=fetcher,
                          font_config=font_config)]
            if faces:
                # Font faces are registered into font_config while the CSS is parsed.
                sheets.insert(0, CSS(string=faces, base_url=base_url, url_fetcher=fetcher,
                                     font_config=font_config))
            res = _Resources(font_config, tuple(sheets), fetcher, f"{faces}\n{base}".strip())
            _RESOURCES[key] = res
        return res


def render_html(
    template_name: str,
    context: Mapping[str, Any],
    *,
    fonts: FontSettings | None = None,
    preview: bool = False,
) -> str:
    """Render a ``templates/pdf`` template to an HTML string.

    With ``preview=True`` the stylesheet is inlined in a ``<style>`` element so a browser can
    show the page (its fonts fall back to what the viewer has installed). For PDFs the
    stylesheet is not inlined: :func:`render_pdf` passes the pre-parsed sheets instead.
    """
    template = _ENV.get_template(template_name)
    css = Markup(stylesheet_text(fonts)) if preview else ""  # our own CSS, never user text
    return template.render({**context, "preview_css": css})


def render_pdf(
    template_name: str,
    context: Mapping[str, Any],
    *,
    fonts: FontSettings | None = None,
) -> bytes:
    """Render a ``templates/pdf`` template with plain-data ``context`` to PDF bytes.

    ``context`` holds plain data (see :mod:`assess.documents.contexts`), usually
    ``{"doc": CircularContext(...)}``. ``fonts`` points to licensed font files; without it
    the free stand-ins are used.
    """
    html = render_html(template_name, context, fonts=fonts)
    res = _resources(fonts)
    with _LOCK:
        document = HTML(
            string=html,
            base_url=TEMPLATE_DIR.as_uri() + "/",
            url_fetcher=res.fetcher,
            media_type="print",
        )
        pdf = document.write_pdf(stylesheets=list(res.stylesheets), font_config=res.font_config)
    assert pdf is not None  # write_pdf without a target returns bytes
    return pdf
