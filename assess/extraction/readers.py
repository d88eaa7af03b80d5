"""Uploaded files → text (``read_text``) or rows of cells (``read_rows``).

Supported: .docx (paragraphs and tables in document order), .txt (UTF-8 with or without BOM,
UTF-16 with BOM, GBK/GB18030), .html/.htm, and .pdf with a text layer. Anything else, or a file
that cannot be read, raises :class:`ExtractionError` saying what is wrong and what to do.

A *row* is a list of cell strings: a paragraph or a line of text is a one-cell row… except plain
text and PDF lines, which are split on runs of whitespace, tabs and ``|`` so that a table printed
as text (``1.属于国家秘密  0  0  0``) comes back as cells.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from html.parser import HTMLParser
from pathlib import PurePath

from assess.extraction.errors import ExtractionError

Row = list[str]

TEXT_EXTS = {".txt", ".text"}
HTML_EXTS = {".html", ".htm"}
_SPLIT_RE = re.compile(r"[ \t\u3000|│]+")


def _ext(filename: str) -> str:
    return PurePath(filename or "").suffix.lower()


def read_text(data: bytes, filename: str) -> str:
    """The text of an uploaded file; table rows come out as tab-separated lines."""
    return "\n".join("\t".join(cell for cell in row if cell) for row in _read(data, filename, False))


def read_rows(data: bytes, filename: str) -> list[Row]:
    """The file as rows of cells (tables keep their cells; text lines are split on whitespace)."""
    return _read(data, filename, True)


def _read(data: bytes, filename: str, split_lines: bool) -> list[Row]:
    ext = _ext(filename)
    if not data or not data.strip():
        raise ExtractionError("empty", f"文件“{filename}”是空的，请检查后重新上传。",
                              f"The file '{filename}' is empty; check it and upload it again.")
    if ext == ".docx":
        return _docx_rows(data, filename)
    if ext == ".pdf":
        if split_lines:
            return _pdf_rows(data, filename)
        return [[line] for line in reflow(_pdf_lines(data, filename))]
    if ext in TEXT_EXTS:
        lines = decode_text(data, filename).splitlines()
        if not split_lines:
            return [[line] for line in lines]
        bar_cells = _bar_terminated(lines)
        return [BLANK_CELL_ROW[:] if bar_cells and line.strip() == "|" else _split(line) for line in lines]
    if ext in HTML_EXTS:
        return _html_rows(decode_text(data, filename))
    if ext in (".doc", ".wps"):
        raise ExtractionError(
            "unsupported_type",
            f"不支持旧版Word格式（{ext}）：请在Word或WPS中将“{filename}”另存为.docx后上传。",
            f"Old Word format ({ext}) is not supported: save '{filename}' as .docx and upload it.")
    raise ExtractionError(
        "unsupported_type",
        f"不支持的文件类型“{ext or '无扩展名'}”：请上传.docx、.pdf、.txt或.html文件。",
        f"Unsupported file type '{ext or 'no extension'}': upload a .docx, .pdf, .txt or .html file.")


# A row standing for one blank table cell (see _bar_terminated); the parser joins it into the open row.
BLANK_CELL_ROW: Row = [""]
_BAR_CELL_RE = re.compile(r"^[^|\s].*\S\s*\|$")


def _bar_terminated(lines: list[str]) -> bool:
    """A table copied from a web page one cell a line, each cell closed by a bar (``56 |``): there a line
    holding only ``|`` is a cell left blank, not a separator, and must keep its place in the row."""
    cells = sum(1 for line in lines if _BAR_CELL_RE.match(line.strip()))
    lone = sum(1 for line in lines if line.strip() == "|")
    return cells >= 20 and lone >= 5


def _split(line: str) -> Row:
    """Cells of a text line. A Markdown table row (``| a | 1 |  |``) keeps its empty cells: a blank
    figure is not the same as no cell."""
    text = line.strip()
    if text.startswith("|") and text.count("|") >= 2:
        cells = [c.strip() for c in text.strip("|").split("|")]
        return cells if any(cells) else []
    return [cell for cell in _SPLIT_RE.split(text) if cell]


def decode_text(data: bytes, filename: str) -> str:
    """UTF-8 (BOM optional), UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text.replace("\r\n", "\n").replace("\r", "\n")
    raise ExtractionError(
        "undecodable",
        f"无法识别“{filename}”的文字编码：请用UTF-8或GBK编码另存为文本文件，或上传Word/PDF文件。",
        f"Cannot decode '{filename}': save it as UTF-8 or GBK text, or upload a Word/PDF file.")


def _corrupt(filename: str, kind: str) -> ExtractionError:
    return ExtractionError(
        "corrupt",
        f"文件“{filename}”已损坏或不是有效的{kind}文件：请用{kind}软件打开确认后重新保存上传。",
        f"'{filename}' is damaged or not a valid {kind} file: open it in {kind} software, "
        "save it again and upload it.")


# --- .docx -------------------------------------------------------------------------------------

def _docx_rows(data: bytes, filename: str) -> list[Row]:
    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    from ..zipguard import ZipBombError, check_zip

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _corrupt(filename, "Word")
    try:
        check_zip(data)  # a ZIP bomb is refused before python-docx inflates it
    except ZipBombError as exc:
        raise _corrupt(filename, "Word") from exc
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, OSError) as exc:
        raise _corrupt(filename, "Word") from exc
    except Exception as exc:  # lxml errors and other damage inside the package
        raise _corrupt(filename, "Word") from exc
    rows: list[Row] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(child, document).text.strip()
            if text:
                rows.append([text])
        elif tag == "tbl":
            rows.extend(_docx_table_rows(Table(child, document)))
    if not any(cell for row in rows for cell in row):
        raise ExtractionError("empty", f"Word文件“{filename}”中没有文字内容。",
                              f"The Word file '{filename}' contains no text.")
    return rows


def _docx_table_rows(table: object) -> list[Row]:
    rows: list[Row] = []
    for row in table.rows:  # type: ignore[attr-defined]
        seen: set[int] = set()
        cells: Row = []
        for cell in row.cells:
            key = id(cell._tc)
            if key in seen:  # a horizontally merged cell is returned once per grid column
                continue
            seen.add(key)
            cells.append(" ".join(p.text.strip() for p in cell.paragraphs if p.text.strip()))
            for nested in cell.tables:
                rows.extend(_docx_table_rows(nested))
        if any(cells):
            rows.append(cells)
    return rows


# --- .pdf --------------------------------------------------------------------------------------

def _pdf_lines(data: bytes, filename: str) -> list[str]:
    return [" ".join(row) for row in _pdf_pages(data, filename, tables=False)]


def _pdf_rows(data: bytes, filename: str) -> list[Row]:
    """Rows of a PDF by position: ruled tables come back cell by cell (pdfplumber's table finder), so a
    tall row whose figures sit above or below its label is still one row; the text around them line by
    line, split on whitespace."""
    return _pdf_pages(data, filename, tables=True)


def _furniture_key(line: str) -> str:
    return re.sub(r"\d+", "#", line.replace(" ", ""))


def _drop_running_lines(pages: list[list[tuple[float, Row]]]) -> list[Row]:
    """Page furniture: a first or last line repeated (numbers aside) on most pages is a running header
    or footer, not text."""
    counts: dict[str, int] = {}
    for items in pages:
        ends = {_furniture_key(" ".join(r)) for _top, r in (items[:1] + items[-1:]) if len(r) <= 6}
        for key in ends:
            counts[key] = counts.get(key, 0) + 1
    running = {k for k, n in counts.items() if n >= 2 and n >= len(pages) / 2 and k}
    out: list[Row] = []
    for items in pages:
        for i, (_top, row) in enumerate(items):
            if i in (0, len(items) - 1) and _furniture_key(" ".join(row)) in running:
                continue
            out.append(row)
    return out


def _pdf_pages(data: bytes, filename: str, *, tables: bool) -> list[Row]:
    if not data.lstrip().startswith(b"%PDF"):
        raise _corrupt(filename, "PDF")
    import pypdf
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
        if encrypted and not reader.decrypt(""):
            raise ExtractionError(
                "encrypted_pdf",
                f"PDF文件“{filename}”设有打开密码：请取消密码保护后重新上传。",
                f"The PDF '{filename}' is password-protected: remove the password and upload it again.")
        page_count = len(reader.pages)
    except ExtractionError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise _corrupt(filename, "PDF") from exc
    except Exception as exc:
        raise _corrupt(filename, "PDF") from exc
    import pdfplumber

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    pages: list[list[tuple[float, Row]]] = []
    try:
        with pdfplumber.open(io.BytesIO(data), password="" if encrypted else None) as pdf:
            for page in pdf.pages:
                pages.append(_page_items(page, tables))
    except Exception as exc:
        raise _corrupt(filename, "PDF") from exc
    lines = _drop_running_lines(pages)
    if page_count and not any(cell for row in lines for cell in row):
        raise ExtractionError(
            "scanned_pdf",
            f"PDF文件“{filename}”没有文字层（可能是扫描件或图片）：请上传带文字层的PDF或Word文件。",
            f"The PDF '{filename}' has no text layer (probably a scan): "
            "upload a PDF with a text layer or a Word file.")
    return lines


def _page_items(page: object, tables: bool) -> list[tuple[float, Row]]:
    """(top, row) of one page in reading order: text lines outside tables split into cells (or kept whole
    when ``tables`` is False), table rows cell by cell. A cell covered by a merged cell (None) is left
    out; an empty cell stays as a blank figure."""
    found = page.find_tables() if tables else []  # type: ignore[attr-defined]
    boxes = [t.bbox for t in found]

    def inside(line: dict) -> bool:
        mid = (line["top"] + line["bottom"]) / 2
        return any(x0 - 1 <= line["x0"] and line["x1"] <= x1 + 1 and top <= mid <= bottom
                   for x0, top, x1, bottom in boxes)

    items: list[tuple[float, Row]] = []
    for line in page.extract_text_lines():  # type: ignore[attr-defined]
        text = line["text"].strip()
        if text and not inside(line):
            items.append((line["top"], _split(text) if tables else [text]))
    for table in found:
        for row, texts in zip(table.rows, table.extract()):
            out = ["".join((t or "").split()) if t is not None else None for t in texts]
            cells_ = [c for c in out if c is not None]
            if any(cells_):
                top = min((c[1] for c in row.cells if c is not None), default=table.bbox[1])
                items.append((top, cells_))
    items.sort(key=lambda item: item[0])
    return items


_PARA_END = "。！？；：:!?;”」）)"
_HEADING_START = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、])")


def reflow(lines: list[str]) -> list[str]:
    """Join PDF lines back into paragraphs: a line as long as the page's full lines that does not
    end a sentence continues on the next line (unless that one starts a heading)."""
    if not lines:
        return []
    lengths = sorted(len(line.strip()) for line in lines)
    full = lengths[int(0.9 * (len(lengths) - 1))]
    out: list[str] = []
    joining = False
    for line in lines:
        text = line.strip()
        if joining and out and not _HEADING_START.match(text):
            ascii_break = out[-1][-1:].isascii() and text[:1].isascii() and text[:1].isalpha()
            out[-1] += (" " if ascii_break else "") + text
        else:
            out.append(text)
        joining = len(text) >= 0.85 * full and not text.endswith(tuple(_PARA_END))
    return out


# --- .html -------------------------------------------------------------------------------------

class _HtmlRows(HTMLParser):
    BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "section", "article",
             "title", "tr", "table", "header", "footer"}
    SKIP = {"script", "style", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[Row] = []
        self._text: list[str] = []
        self._row: Row | None = None
        self._cell: list[str] | None = None
        self._skip = 0

    def _flush_text(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self._text)).strip()
        self._text = []
        if text:
            self.rows.append([text])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skip += 1
        elif tag == "tr":
            self._flush_text()
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag in self.BLOCK and self._cell is None:
            self._flush_text()
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in ("td", "th") and self._cell is not None:
            if self._row is not None:
                self._row.append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if any(self._row):
                self.rows.append(self._row)
            self._row = None
        elif tag in self.BLOCK and self._cell is None:
            self._flush_text()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif self._row is None:
            self._text.append(data)


def _html_rows(text: str) -> list[Row]:
    parser = _HtmlRows()
    parser.feed(text)
    parser.close()
    parser._flush_text()
    return parser.rows
