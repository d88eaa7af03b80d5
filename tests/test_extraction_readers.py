"""Reading uploaded files: encodings, Word, HTML, PDF and the errors for unusable files."""

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assess.extraction.errors import ExtractionError
from assess.extraction.readers import read_rows, read_text

TEXT = "一、总体情况\n全年公开信息246条，收到申请3件。\n"


def error_code(data: bytes, filename: str) -> ExtractionError:
    with pytest.raises(ExtractionError) as info:
        read_text(data, filename)
    assert info.value.message_zh and info.value.message_en
    return info.value


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_text_encodings(encoding: str) -> None:
    assert read_text(TEXT.encode(encoding), "总结.txt").strip() == TEXT.strip()


def test_crlf_and_rows() -> None:
    data = "规章 | 0 | 1 | 2\r\n1.属于国家秘密   0   0\r\n".encode("gbk")
    assert read_rows(data, "a.TXT") == [["规章", "0", "1", "2"], ["1.属于国家秘密", "0", "0"]]


def test_empty() -> None:
    assert error_code(b"", "a.txt").code == "empty"
    assert error_code(b"  \n ", "a.txt").code == "empty"
    assert error_code(b"", "a.pdf").code == "empty"


def test_undecodable() -> None:
    assert error_code(b"\x80\x81\xff\xfe\x00\xff" * 10, "a.txt").code == "undecodable"
    assert error_code(b"abc\x00def", "a.txt").code == "undecodable"


def test_unsupported() -> None:
    err = error_code(b"\xd0\xcf\x11\xe0 old word", "总结.doc")
    assert err.code == "unsupported_type" and ".docx" in err.message_zh
    assert error_code(b"PK\x03\x04", "表.xlsx").code == "unsupported_type"
    assert error_code(b"hello", "noext").code == "unsupported_type"


def test_corrupt_docx_and_pdf() -> None:
    assert error_code(b"this is not a zip", "总结.docx").code == "corrupt"
    assert error_code(b"PK\x03\x04garbage" * 5, "总结.docx").code == "corrupt"
    assert error_code(b"not a pdf at all", "报告.pdf").code == "corrupt"
    assert error_code(b"%PDF-1.7\n1 0 obj garbage", "报告.pdf").code == "corrupt"


def _docx_bytes() -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph("一、总体情况")
    d.add_paragraph("全年公开信息246条。")
    t = d.add_table(rows=2, cols=3)
    t.rows[0].cells[0].merge(t.rows[0].cells[2]).text = "第二十条第（一）项"
    for i, v in enumerate(["规章", "1", "0"]):
        t.rows[1].cells[i].text = v
    d.add_paragraph("二、主动公开")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_paragraphs_and_tables_in_order() -> None:
    data = _docx_bytes()
    assert read_rows(data, "a.docx") == [["一、总体情况"], ["全年公开信息246条。"], ["第二十条第（一）项"],
                                        ["规章", "1", "0"], ["二、主动公开"]]
    assert read_text(data, "a.docx").splitlines()[3] == "规章\t1\t0"


def test_html() -> None:
    page = ("<html><head><title>t</title><style>p{}</style><script>var x=1</script></head><body>"
            "<h2>一、总体情况</h2><p>公开信息<b>246</b>条&nbsp;。</p><table><tr><th>信息内容</th><th>数量</th></tr>"
            "<tr><td><p><span>行政许可</span></p></td><td>12</td></tr></table></body></html>")
    rows = read_rows(page.encode("gbk"), "r.html")
    assert ["一、总体情况"] in rows
    assert ["公开信息246条 。"] in rows
    assert ["行政许可", "12"] in rows
    assert not any("var x" in c for r in rows for c in r)


def _pdf_from_html(body: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<html><body style=\"font-family:'Noto Serif CJK SC'\">{body}</body></html>").write_pdf()


def test_pdf_text_layer() -> None:
    text = read_text(_pdf_from_html("<p>全年公开信息246条。</p>"), "r.pdf")
    assert "全年公开信息246条" in text.replace(" ", "")


def test_scanned_pdf_without_text_layer() -> None:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 800), "white")
    ImageDraw.Draw(image).rectangle((50, 50, 550, 120), fill="black")
    buf = io.BytesIO()
    image.save(buf, format="PDF")
    err = error_code(buf.getvalue(), "扫描件.pdf")
    assert err.code == "scanned_pdf"
    assert "请上传带文字层的PDF或Word文件" in err.message_zh


def test_blank_page_pdf_is_treated_as_scanned() -> None:
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    writer.write(buf)
    assert error_code(buf.getvalue(), "blank.pdf").code == "scanned_pdf"


def test_password_protected_pdf() -> None:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(_pdf_from_html("<p>公开信息246条</p>")))
    writer = pypdf.PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    buf = io.BytesIO()
    writer.write(buf)
    err = error_code(buf.getvalue(), "加密.pdf")
    assert err.code == "encrypted_pdf" and "密码" in err.message_zh


def test_error_to_dict() -> None:
    err = ExtractionError("empty", "空", "empty")
    assert err.to_dict() == {"code": "empty", "message_zh": "空", "message_en": "empty"}


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=400), ext=st.sampled_from([".txt", ".html", ".docx", ".pdf", ".doc", ".csv"]))
def test_fuzz_only_extraction_errors(data: bytes, ext: str) -> None:
    try:
        text = read_text(data, "upload" + ext)
    except ExtractionError as exc:
        assert exc.code in {"empty", "corrupt", "unsupported_type", "undecodable", "scanned_pdf",
                            "encrypted_pdf"}
    else:
        assert isinstance(text, str)


@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=300), kind=st.sampled_from([(b"%PDF-1.4\n", ".pdf"), (b"PK\x03\x04", ".docx")]))
def test_fuzz_damaged_containers(data: bytes, kind: tuple[bytes, str]) -> None:
    prefix, ext = kind
    with pytest.raises(ExtractionError) as info:
        read_text(prefix + data, "upload" + ext)
    assert info.value.code in {"corrupt", "scanned_pdf", "encrypted_pdf", "empty"}


def test_pdf_paragraphs_are_reflowed() -> None:
    from weasyprint import HTML

    para = ("（二）主动公开。依托县政府门户网站人社专栏和微信公众号，全年主动公开政府信息共计一千二百条以上，"
            "其中门户网站发布612条、微信公众号推送674条，按月公开社会保险基金收支情况12期。")
    pdf = HTML(string="<html><head><style>@page{size:100mm 200mm;margin:10mm}</style></head>"
                      f"<body style=\"font-family:'Noto Serif CJK SC';font-size:10pt\"><p>一、概况</p>"
                      f"<p>{para}</p><p>（三）回应关切。收到申请3件。</p></body></html>").write_pdf()
    lines = read_text(pdf, "r.pdf").splitlines()
    assert len(read_rows(pdf, "r.pdf")) > len(lines)  # the rows keep the printed lines
    assert lines == ["一、概况", para, "（三）回应关切。收到申请3件。"]
