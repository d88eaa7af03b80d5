"""Evidence files made for the review aids' evidence checks: a screenshot and its cropped JPEG, an unrelated
picture, a PDF with a text layer and the same PDF saved again with other metadata and compression, a Word
file, and helpers to attach them to a submission as stored evidence."""
from __future__ import annotations

import hashlib
import io
import random
import secrets
from pathlib import Path

from assess.extensions import db
from assess.models import Evidence, EvidenceKind
from assess.storage import get_storage

_FONTS = [Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
          Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
          Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc")]


def _font(size: int):
    from PIL import ImageFont

    for path in _FONTS:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def screenshot(seed: int = 2, title: str = "某县人民政府门户网站 政务公开专栏"):
    """A Pillow image like a screenshot of a portal page: a red header, lines of text, a framed box."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    im = Image.new("RGB", (1200, 800), "white")
    d = ImageDraw.Draw(im)
    d.rectangle([0, 0, 1200, 90], fill=(180, 30, 30))
    d.text((40, 25), title, font=_font(28), fill="white")
    small = _font(18)
    y = 120
    for _ in range(14):
        width = rng.randint(300, 1000)
        d.text((60, y), "".join(chr(rng.randint(0x4E00, 0x6000)) for _ in range(width // 20)), font=small,
               fill=(40, 40, 40))
        y += 44
    d.rectangle([900, 130, 1150, 400], outline=(0, 0, 150), width=3)
    return im


def png(im) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def cropped_jpeg(im, share: float = 0.05) -> bytes:
    """The picture with ``share`` of its width and height cut off (half on each side), saved as JPEG."""
    w, h = im.size
    dx, dy = int(w * share / 2), int(h * share / 2)
    buf = io.BytesIO()
    im.crop((dx, dy, w - dx, h - dy)).save(buf, "JPEG", quality=70)
    return buf.getvalue()


def unrelated_picture() -> bytes:
    """A bar chart on a grey background: nothing like the screenshot."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (1000, 700), (235, 235, 235))
    d = ImageDraw.Draw(im)
    for i, height in enumerate([200, 450, 320, 600, 150, 380]):
        d.rectangle([80 + i * 150, 650 - height, 180 + i * 150, 650], fill=(30, 90 + i * 25, 160))
    d.ellipse([700, 60, 950, 310], fill=(250, 180, 40))
    return png(im)


def pdf(body: str, title: str = "通知") -> bytes:
    """A one-page PDF with a text layer (WeasyPrint, the platform's own renderer)."""
    from weasyprint import HTML

    html = (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body style='font-family: "
            f"\"Noto Serif CJK SC\", serif'><h1>{title}</h1>"
            + "".join(f"<p>{line}</p>" for line in body.split("\n")) + "</body></html>")
    return HTML(string=html).write_pdf()


def resaved(data: bytes) -> bytes:
    """The same pages saved again by another program: other metadata, content streams compressed anew."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for page in writer.pages:
        page.compress_content_streams(level=9)
    writer.add_metadata({"/Producer": "WPS Office", "/Creator": "WPS 文字", "/Title": "另存为"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx(text: str) -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "pdf": "application/pdf",
                 "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def attach(sub, code: str, filename: str, data: bytes, title: str | None = None) -> Evidence:
    """A stored evidence file on indicator ``code`` of ``sub`` (as the upload page leaves it)."""
    key = f"o{sub.office_id}/d{sub.department_id}/{secrets.token_hex(16)}"
    ctype = CONTENT_TYPES[filename.rsplit(".", 1)[-1]]
    get_storage().put(key, data, ctype)
    ev = Evidence(office_id=sub.office_id, department_id=sub.department_id, campaign_id=sub.campaign_id,
                  owner_type="submission", owner_id=sub.id, indicator_code=code, kind=EvidenceKind.FILE,
                  title=title or filename.rsplit(".", 1)[0], storage_key=key, filename=filename, content_type=ctype,
                  size=len(data), sha256=hashlib.sha256(data).hexdigest())
    db.session.add(ev)
    db.session.flush()
    return ev


def link(sub, code: str, url: str, title: str = "网页") -> Evidence:
    ev = Evidence(office_id=sub.office_id, department_id=sub.department_id, campaign_id=sub.campaign_id,
                  owner_type="submission", owner_id=sub.id, indicator_code=code, kind=EvidenceKind.LINK,
                  title=title, url=url)
    db.session.add(ev)
    db.session.flush()
    return ev
