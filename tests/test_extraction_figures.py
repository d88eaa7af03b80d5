"""Quantities with units in prose."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assess.extraction.figures import find_figures


def one(text: str):
    figures = find_figures(text)
    assert len(figures) == 1, [f.text for f in figures]
    return figures[0]


@pytest.mark.parametrize("text,value,unit,printed_unit,qualifier,kind", [
    ("全年公开信息246条。", "246", "条", "条", None, None),
    ("收到申请3件，均按时答复。", "3", "件", "件", None, None),
    ("每日接听约300通。", "300", "通", "通", "约", "approx"),
    ("关注人数超过6.2万人。", "62000", "人", "万人", "超过", "over"),
    ("征缴1.2亿元。", "120000000", "元", "亿元", None, None),
    ("征缴3456万元。", "34560000", "元", "万元", None, None),
    ("办结率100%。", "100", "%", "%", None, None),
    ("召开会议二十三次。", "23", "次", "次", None, None),
    ("发布两千余条。", "2000", "条", "条", "余", "over"),
    ("发布300条以上。", "300", "条", "条", "以上", "over"),
    ("接听300通左右。", "300", "通", "通", "左右", "approx"),
    ("近300条信息", "300", "条", "条", "近", "under"),
    ("10多个部门", "10", "个", "个", "多", "over"),
    ("满意率达到百分之九十五", "95", "%", "%", None, None),
    ("1,286条", "1286", "条", "条", None, None),
    ("不少于5个工作日", "5", "个工作日", "个工作日", "不少于", "over"),
    ("占比不到30%", "30", "%", "%", "不到", "under"),
    ("参训220余人次", "220", "人次", "人次", "余", "over"),
    ("约1,860亩", "1860", "亩", "亩", "约", "approx"),
])
def test_figure(text: str, value: str, unit: str, printed_unit: str, qualifier: str | None,
                kind: str | None) -> None:
    fig = one(text)
    assert fig.value == Decimal(value)
    assert fig.unit == unit
    assert fig.printed_unit == printed_unit
    assert fig.qualifier == qualifier
    assert fig.qualifier_kind == kind


@pytest.mark.parametrize("text", [
    "2020年1月5日召开会议", "第3次会议", "拨打12345热线", "县政办发〔2025〕12号", "推行一次性告知",
    "落实一把手责任", "千家万户", "树牢四个意识", "建立“三项制度”", "两部门联合发文", "通知要求",
    "二〇二五年", "电话0731-8888 6666全天",
])
def test_not_figures(text: str) -> None:
    assert find_figures(text) == []


def test_offsets_and_sentence() -> None:
    text = "一、概况\n全年公开信息246条，其中网站发布约120条。收到申请3件。"
    figs = find_figures(text)
    assert [f.text for f in figs] == ["246条", "约120条", "3件"]
    for f in figs:
        assert text[f.start:f.end] == f.text
        assert text[f.sentence_start:f.sentence_end] == f.sentence
    assert figs[0].sentence == "全年公开信息246条，其中网站发布约120条。"
    assert figs[2].sentence == "收到申请3件。"
    assert figs[1].printed_value == Decimal(120)
    assert figs[0].to_dict()["value"] == "246"


def test_fullwidth_digits_keep_offsets() -> None:
    text = "公开信息１２条，满意率９８．５％。"
    figs = find_figures(text)
    assert [(f.value, f.unit) for f in figs] == [(Decimal(12), "条"), (Decimal("98.5"), "%")]
    assert [text[f.start:f.end] for f in figs] == [f.text for f in figs] == ["１２条", "９８．５％"]
    assert figs[0].sentence == text


@given(st.text(alphabet="0123456789一二两三十百千万亿约余多以上左右超过条件次人万元%％，。、\n 第年月日个",
               max_size=60))
def test_fuzz_offsets(text: str) -> None:
    for f in find_figures(text):
        assert text[f.start:f.end] == f.text
        assert f.sentence_start <= f.start < f.end <= f.sentence_end
        assert f.value >= 0


@pytest.mark.parametrize("text,value,unit,qualifier", [
    ("办理时限3-5个工作日", "5", "个工作日", "3-"),
    ("3至5天办结", "5", "天", "3至"),
    ("约3-5人", "5", "人", "约/3-"),
    ("共3～5.5万元", "55000", "元", "3～"),
])
def test_ranges(text: str, value: str, unit: str, qualifier: str) -> None:
    fig = one(text)
    assert (fig.value, fig.unit, fig.qualifier, fig.qualifier_kind) == (Decimal(value), unit, qualifier, "range")
    assert text[fig.start:fig.end] == fig.text


@pytest.mark.parametrize("text", ["电话0731-8888条", "5-3人", "2025-12条"])
def test_not_ranges(text: str) -> None:
    assert find_figures(text) == []
