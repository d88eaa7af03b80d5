"""The PDF renderer may fetch only its own assets: prove refusals, autoescaping, font folders."""

from __future__ import annotations

import dataclasses
import http.server
import io
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pdfplumber
import pytest
from weasyprint import HTML

from assess.documents import render
from assess.documents.fetcher import RefusedURL, SafeURLFetcher
from assess.documents.fonts import FontSettings
from assess.documents.official import qr_svg_data_url
from assess.documents.render import TEMPLATE_DIR, render_html, render_pdf
from assess.documents.samples import sample_notice, sample_seal_png


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(sample_seal_png())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def http_trap() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request: nothing may ever reach it."""
    _CountingHandler.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _CountingHandler.hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture()
def fetcher() -> SafeURLFetcher:
    return SafeURLFetcher([TEMPLATE_DIR])


def test_serves_own_template_assets(fetcher: SafeURLFetcher) -> None:
    response = fetcher.fetch((TEMPLATE_DIR / "base.css").as_uri())
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


def test_serves_generated_data_images(fetcher: SafeURLFetcher) -> None:
    assert fetcher.fetch(qr_svg_data_url("x")).read().startswith(b"<svg")
    import base64

    png = "data:image/png;base64," + base64.b64encode(sample_seal_png()).decode()
    assert fetcher.fetch(png).read().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.png",
        "https://example.com/a.css",
        "ftp://example.com/f",
        "file:///etc/passwd",
        "file://otherhost" + str(TEMPLATE_DIR / "base.css"),
        (TEMPLATE_DIR / "base.css").as_uri().replace("base.css", "../../pyproject.toml"),
        (TEMPLATE_DIR / "missing.css").as_uri(),
        "data:text/html,<script>alert(1)</script>",
        "data:,plain",
        "javascript:alert(1)",
        "relative/path.png",
    ],
)
def test_refuses_everything_else(fetcher: SafeURLFetcher, url: str) -> None:
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)


def test_refuses_symlink_out_of_allowed_folder(tmp_path: Path) -> None:
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    (allowed / "link.css").symlink_to(secret)
    with pytest.raises(RefusedURL):
        SafeURLFetcher([allowed]).fetch((allowed / "link.css").as_uri())


def test_weasyprint_with_fetcher_never_reaches_network_or_files(
    fetcher: SafeURLFetcher, http_trap: tuple[str, list[str]]
) -> None:
    """Raw hostile markup (as if escaping failed): WeasyPrint asks, the fetcher refuses."""
    base, hits = http_trap
    html = f"""<html><head>
      <link rel="stylesheet" href="{base}/style.css">
      <style>@import url("{base}/import.css");
        body {{ background: url("{base}/bg.png"); }}
        @font-face {{ font-family: X; src: url("{base}/font.ttf"); }}
        p {{ font-family: X; }}
        div {{ background: url("file:///etc/passwd"); }}</style></head>
      <body><p>正文</p><img src="{base}/img.png"><img src="file:///etc/hostname"><div>x</div>
      <svg><image href="{base}/svg.png" width="10" height="10"/></svg></body></html>"""
    pdf = HTML(string=html, base_url=TEMPLATE_DIR.as_uri() + "/", url_fetcher=fetcher).write_pdf()
    assert pdf.startswith(b"%PDF")
    assert hits == []


def test_render_pdf_uses_the_safe_fetcher_only_for_own_assets(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    original = SafeURLFetcher.fetch

    def spy(self: SafeURLFetcher, url: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        seen.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(SafeURLFetcher, "fetch", spy)
    render_pdf("notice.html", {"doc": sample_notice(2)})
    assert seen, "seal and QR images must be served through the fetcher"
    assert all(u.startswith("data:image/") or u.startswith(TEMPLATE_DIR.as_uri()) for u in seen)


def test_context_text_is_escaped_and_never_fetched(http_trap: tuple[str, list[str]]) -> None:
    base, hits = http_trap
    hostile = f'<img src="{base}/x.png"><style>@import url({base}/y.css);</style><b>粗</b>'
    notice = dataclasses.replace(sample_notice(2), department=hostile, contact=f"url({base}/z)")
    html = render_html("notice.html", {"doc": notice})
    assert "&lt;img src=&#34;" in html
    assert "<b>粗</b>" not in html
    pdf = render_pdf("notice.html", {"doc": notice})
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = "".join(page.extract_text() for page in doc.pages)
    assert "<img" in text.replace(" ", "")  # printed as text
    assert "<b>粗</b>" in text.replace(" ", "")
    assert hits == []


def test_preview_html_inlines_css() -> None:
    html = render_html("notice.html", {"doc": sample_notice(1)}, preview=True)
    assert "<style>" in html and "@page" in html
    assert "<style>" not in render_html("notice.html", {"doc": sample_notice(1)})


def test_font_settings_validation(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        FontSettings(fangsong="x.ttf").files()  # no folder
    with pytest.raises(ValueError):
        FontSettings(font_dir=tmp_path, fangsong="missing.ttf").files()
    with pytest.raises(ValueError):
        FontSettings(font_dir=tmp_path, fangsong="../escape.ttf").files()
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ValueError):
        FontSettings(font_dir=tmp_path, fangsong="notes.txt").files()
    assert FontSettings().files() == {}


KAI_FILE = Path("/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf")


@pytest.mark.skipif(not KAI_FILE.exists(), reason="fonts-arphic-gkai00mp not installed")
def test_configured_font_file_is_loaded_from_its_folder_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deployment's licensed 仿宋 (here: a copy of the Kai font) replaces the stand-in."""
    font_dir = tmp_path / "fonts"
    font_dir.mkdir()
    shutil.copy(KAI_FILE, font_dir / "official-fangsong.ttf")
    settings = FontSettings(font_dir=font_dir, fangsong="official-fangsong.ttf")
    monkeypatch.setattr(render, "_RESOURCES", {})  # fresh per-process cache for this test
    pdf = render_pdf("notice.html", {"doc": sample_notice(1)}, fonts=settings)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        body = [c for c in doc.pages[0].chars if abs(c["size"] - 16) < 0.1]
    # Body text is set in the configured file, embedded under the project family name.
    assert {c["fontname"].split("+", 1)[-1] for c in body} == {"GW-FangSong"}
    fetcher = render._resources(settings).fetcher
    assert fetcher.fetch((font_dir / "official-fangsong.ttf").as_uri()).read()[:4]
    with pytest.raises(RefusedURL):
        fetcher.fetch(KAI_FILE.as_uri())  # the system copy is outside the allowed folder
