"""Summary → proposals: phrase/figure matching, passages with headings, areas as data."""

from decimal import Decimal

from assess.extraction.passages import heading_level, split_paragraphs
from assess.extraction.rubric_adapter import load_specs, specs_from_rubric
from assess.extraction.summary import AreaSpec, FigureSpec, default_area_specs, propose

TEXT = """县某局2025年政务公开工作总结
一、工作开展情况
（一）加强组织领导。成立政务公开工作领导小组，召开党组会专题研究3次。
（二）主动公开。全年在门户网站公开信息246条，其中通知公告约80条。
1.重点领域。公开财政预算、决算信息12条。
（三）回应关切。收到申请3件，均按时答复；热线接听约300通，满意率98.5%。
"""

SPECS = [
    FigureSpec("P1", "published_items", "主动公开信息数", "条", ["公开信息", "发布信息"]),
    FigureSpec("R1", "requests_received", "收到申请数", "件", ["收到申请", "公开申请"]),
    FigureSpec("R2", "satisfaction", "满意率", "%", ["满意率", "满意度"]),
    FigureSpec("R3", "hotline_calls", "热线接听量", "通", ["接听"]),
    FigureSpec("X1", "not_stated", "未提及", "件", ["行政复议"]),
]


def test_propose_figures() -> None:
    result = propose(TEXT, SPECS, [])
    by_name = {p.name: p for p in result.figures}
    assert by_name["published_items"].value == Decimal(246)
    assert by_name["requests_received"].value == Decimal(3)
    assert by_name["satisfaction"].value == Decimal("98.5")
    calls = by_name["hotline_calls"]
    assert calls.value == Decimal(300) and calls.qualifier == "约" and calls.unit == "通"
    assert "not_stated" not in by_name
    p = by_name["published_items"]
    assert TEXT[p.start:p.end] == "246条"
    assert TEXT[p.sentence_start:p.sentence_end] == p.source_sentence
    assert TEXT[p.phrase_start:p.phrase_start + len(p.phrase)] == p.phrase
    assert 0 < p.confidence <= 1
    # figures not claimed by any spec are still returned
    assert any(f.value == Decimal(80) for f in result.unassigned_figures)


def test_unit_must_match() -> None:
    specs = [FigureSpec("P1", "published_items", "", "件", ["公开信息"])]
    # 条 and 件 count the same things in summaries (issue 24: 解读38条 for a 件 input); 户 does not
    assert propose("全年公开信息覆盖246户。", specs, []).figures == []
    money = [FigureSpec("F1", "fees", "", "万元", ["征缴"])]
    (prop,) = propose("征缴基金1.2亿元。", money, []).figures
    assert prop.value == Decimal(120000000) and prop.unit == "元" and prop.printed_unit == "亿元"


def test_passages_areas_and_headings() -> None:
    result = propose(TEXT, SPECS, [])
    areas = {p.text[:5]: p.area for p in result.passages}
    assert areas["（一）加强"] == "organisation"
    assert areas["（二）主动"] == "proactive"
    assert areas["（三）回应"] == "response"
    sub = next(p for p in result.passages if p.text.startswith("1.重点领域"))
    assert sub.headings == ["一、工作开展情况", "（二）主动公开"]
    assert sub.area == "proactive"
    for p in result.passages:
        assert TEXT[p.start:p.end] == p.text
    assert result.by_indicator["P1"][0].text.startswith("全年在门户网站公开信息246条")


def test_area_indicator_passages_and_rubric_keywords() -> None:
    areas = [AreaSpec("zz", "组织保障", ["领导小组"], ["Z1"]), AreaSpec("hd", "互动", ["热线"], ["H1"])]
    result = propose(TEXT, [], areas)
    assert {p.area for p in result.passages} <= {"zz", "hd", None}
    assert result.by_indicator["Z1"][0].text.startswith("（一）加强组织领导")
    assert "领导小组" in result.by_indicator["Z1"][0].reason


def test_area_defaults_by_title() -> None:
    areas = [AreaSpec("A", "主动公开", [], ["A1"]), AreaSpec("B", "政策解读", [], [])]
    result = propose("（一）政策解读。制作图解3期，在线访谈2次。", [], areas)
    assert result.passages[0].area == "B"
    assert len(default_area_specs()) == 5


def test_heading_levels() -> None:
    assert heading_level("一、总体情况") == 1
    assert heading_level("（二）主动公开") == 2
    assert heading_level("(二)主动公开") == 2
    assert heading_level("3.推进村务公开") == 3
    assert heading_level("（4）其他") == 4
    assert heading_level("一是加强领导") is None
    assert heading_level("2025年，我局") is None
    paras = split_paragraphs("一、甲\n正文。\n（一）乙。内容。\n正文二。\n二、丙\n正文三。")
    assert paras[1].headings == ["一、甲"]
    assert paras[3].headings == ["一、甲", "（一）乙"]
    assert paras[5].headings == ["二、丙"]


RUBRIC_YAML = """
areas:
  - code: proactive
    title: 主动公开
    indicators:
      - code: P1
        inputs:
          - {name: published_items, label: 主动公开信息数, type: integer, unit: 条, phrases: [公开信息]}
          - {name: has_column, label: 有专栏, type: boolean, phrases: [专栏]}
  - code: response
    title: 回应关切
    keywords: [热线]
    indicators:
      - code: R2
        inputs:
          - {name: satisfaction, label: 满意率, type: rate, phrases: [满意率]}
"""


def test_specs_from_yaml() -> None:
    figures, areas = specs_from_rubric(__import__("yaml").safe_load(RUBRIC_YAML))
    assert [(f.indicator_code, f.name, f.unit) for f in figures] == [("P1", "published_items", "条"),
                                                                     ("R2", "satisfaction", "%")]
    assert areas[0].keywords  # defaults filled in for 主动公开
    assert areas[1].keywords == ["热线"]
    assert areas[0].indicator_codes == ["P1"]


def test_load_specs_falls_back_to_yaml() -> None:
    figures, _areas = load_specs(RUBRIC_YAML, "partial.yaml")  # not a full rubric: YAML fallback
    assert {f.name for f in figures} == {"published_items", "satisfaction"}


class _Input:
    def __init__(self, name: str, unit: str, phrases: tuple[str, ...], type: str = "integer") -> None:
        self.name, self.label, self.unit, self.phrases, self.type = name, name, unit, phrases, type


class _Indicator:
    def __init__(self, code: str, inputs: tuple[_Input, ...]) -> None:
        self.code, self.inputs = code, inputs


class _Area:
    def __init__(self, code: str, title: str, indicators: tuple[_Indicator, ...]) -> None:
        self.code, self.title, self.indicators = code, title, indicators


class _Rubric:
    def __init__(self, areas: tuple[_Area, ...]) -> None:
        self.areas = areas


def test_specs_from_rubric_objects() -> None:
    rubric = _Rubric((_Area("C", "回应关切", (_Indicator("C1", (_Input("requests", "件", ("收到申请",)),)),)),))
    figures, areas = specs_from_rubric(rubric)
    assert figures == [FigureSpec("C1", "requests", "requests", "件", ["收到申请"])]
    assert areas[0].indicator_codes == ["C1"] and "依申请" in areas[0].keywords


def test_gapped_phrase_and_plan_penalty() -> None:
    text = ("（一）主动公开。全年主动公开政府信息1,286条。\n"
            "三、下一步工作打算\n力争明年公开信息不少于1300条。")
    specs = [FigureSpec("C1", "items", "公开信息", "条", ["公开信息"]),
             FigureSpec("E1", "received", "收到申请", "件", ["收到申请"])]
    (prop,) = propose(text, specs, []).figures
    assert prop.value == Decimal(1286) and prop.phrase == "公开政府信息"
    assert prop.alternatives and prop.alternatives[0]["value"] == "1300"
    assert prop.alternatives[0]["confidence"] < prop.confidence
    (req,) = propose("全年收到政府信息公开申请3件。", specs, []).figures
    assert req.value == Decimal(3)


def test_figure_inside_phrase() -> None:
    specs = [FigureSpec("C1", "items", "发布信息", "条", ["发布信息"])]
    (prop,) = propose("在网站上发布24条政府信息。", specs, []).figures
    assert prop.value == Decimal(24) and prop.phrase == "发布24条政府信息"


def test_summary_from_docx() -> None:
    import io

    import docx

    from assess.extraction.readers import read_text

    d = docx.Document()
    d.add_paragraph("（一）主动公开")
    d.add_paragraph("全年公开信息246条。")
    t = d.add_table(rows=1, cols=2)
    t.rows[0].cells[0].text = "收到申请"
    t.rows[0].cells[1].text = "3件"
    buf = io.BytesIO()
    d.save(buf)
    text = read_text(buf.getvalue(), "总结.docx")
    result = propose(text, SPECS, [])
    values = {p.name: p.value for p in result.figures}
    assert values["published_items"] == Decimal(246)
    assert values["requests_received"] == Decimal(3)
