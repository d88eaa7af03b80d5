"""Summary → proposals, one test per class of misreading met on real published summaries (issue 24, and the
summary part of issue 17). Fixtures are written for these tests; the inputs are the county rubric's own
(scoring_rules/county-annual-2026.yaml), so the phrases are those a real office configured."""

from decimal import Decimal
from pathlib import Path

import pytest

from assess.extraction.rubric_adapter import load_specs
from assess.extraction.summary import LOW_CONFIDENCE, FigureProposal, propose

RUBRIC = Path(__file__).resolve().parent.parent / "scoring_rules" / "county-annual-2026.yaml"


@pytest.fixture(scope="module")
def specs():
    return load_specs(RUBRIC.read_text(encoding="utf-8"), RUBRIC.name)


def proposals(text: str, specs) -> dict[str, FigureProposal]:
    return {p.name: p for p in propose(text, *specs).figures}


def confident(text: str, specs) -> dict[str, Decimal]:
    return {n: p.value for n, p in proposals(text, specs).items() if p.confidence >= LOW_CONFIDENCE}


# --- per-period inputs never take a yearly total -----------------------------------------------------------

def test_weekly_input_takes_the_weekly_figure_not_the_year(specs) -> None:
    # issue 17: the figure is bound to the phrase governing it within its clause
    got = proposals("“平安城关”微信公众号全年发布信息260条，平均每周更新约5条。", specs)
    weekly = got["posts_per_week"]
    assert weekly.value == Decimal(5) and weekly.computation is None and weekly.reason == "per_period"
    assert weekly.confidence >= LOW_CONFIDENCE and "每周" in weekly.clause
    assert got["items_published"].value == Decimal(260)


def test_weekly_input_derived_from_a_yearly_total_shows_the_arithmetic(specs) -> None:
    weekly = proposals("本局微信公众号全年推送政务信息1040条。", specs)["posts_per_week"]
    assert weekly.value == Decimal("20.00")
    assert weekly.computation == "1040 ÷ 52 = 20" and weekly.reason == "derived_year"
    assert weekly.clause == "本局微信公众号全年推送政务信息1040条。"


def test_weekly_input_never_proposes_the_raw_total(specs) -> None:
    for text in ("政务微博发布信息2443条。", "微信公众号第四季度推送信息457条。", "微信公众号累计发布4681条。"):
        weekly = proposals(text, specs).get("posts_per_week")
        assert weekly is None or weekly.computation is not None, text
    quarter = proposals("微信公众号第四季度推送信息457条。", specs)["posts_per_week"]
    assert quarter.value == Decimal("35.15") and quarter.reason == "derived_quarter"


def test_year_input_never_takes_a_quarter_or_last_year(specs) -> None:
    got = confident("四季度收到申请2件，今年累计收到申请4件，上年度结转申请1件。", specs)
    assert got["received"] == Decimal(4)
    got = proposals("2026年第三季度，门户网站主动公开信息96条。", specs)
    assert "items_published" not in got


# --- totals, 其中 breakdowns and channels ------------------------------------------------------------------

def test_total_not_the_part_after_qizhong(specs) -> None:
    text = "全年主动公开政府信息382条，其中通过政务新媒体发布信息80条、更新信息公开专栏40条。"
    assert confident(text, specs)["items_published"] == Decimal(382)
    part = proposals("其中通过政务新媒体发布信息80条。", specs)["items_published"]
    assert part.confidence < LOW_CONFIDENCE and part.reason == "part"


def test_one_side_channel_is_not_the_total(specs) -> None:
    got = proposals("政务微博“城关发布”全年发布信息5600条，关注量3.2万。", specs)["items_published"]
    assert got.confidence < LOW_CONFIDENCE and got.reason == "one_channel"
    # several channels together are a total again
    both = proposals("通过门户网站、政务微博和微信公众号等渠道公开信息1320条。", specs)["items_published"]
    assert both.value == Decimal(1320) and both.confidence >= LOW_CONFIDENCE


# --- wording variants, synonyms and the rubric's own titles -----------------------------------------------

def test_wording_variants_and_units_in_pian(specs) -> None:
    assert confident("全年主动公开政务信息318条。", specs)["items_published"] == Decimal(318)
    assert confident("在门户网站发布信息120篇。", specs)["items_published"] == Decimal(120)
    inserted = proposals("全年主动公开各类信息205条。", specs)["items_published"]
    assert inserted.value == Decimal(205) and inserted.confidence >= 0.9  # 各类 is not a gap


def test_interpretation_counts_are_bound(specs) -> None:
    assert confident("围绕重点工作开展政策解读24篇。", specs)["interpreted"] == Decimal(24)
    assert confident("制发规范性文件8件，同步解读6件。", specs)["interpreted"] == Decimal(6)  # issue 17
    assert confident("对新出台的政策以图解、问答等形式解读7篇。", specs)["interpreted"] == Decimal(7)


def test_a_bare_zero_and_none_received_read_as_zero(specs) -> None:
    bare = proposals("受理依申请公开0。", specs)["received"]
    assert bare.value == Decimal(0) and bare.unit == "件"
    nil = proposals("本年度未收到公民、法人或者其他组织提出的政府信息公开申请。", specs)["received"]
    assert nil.value == Decimal(0) and nil.reason == "nil" and nil.clause.startswith("未收到")
    assert "received" not in proposals("本年度未收到行政复议申请。", specs)


# --- wrong meaning: no proposal, or a low one with the reason ----------------------------------------------

def test_wrong_meaning_is_not_proposed_confidently(specs) -> None:
    meetings = proposals("全年在网站公开的局长办公会议12次。", specs).get("meetings")
    assert meetings is None or (meetings.confidence < LOW_CONFIDENCE and meetings.reason == "published_object")
    # the figure's own clause names what it counts: the 培训 of another clause does not govern it
    text = "利用会议、培训、座谈等时机开展宣传，县区部门开展学习交流活动65场。"
    assert "trainings" not in proposals(text, specs)
    assert confident("召开党组会专题研究政务公开工作4次。", specs)["meetings"] == Decimal(4)


def test_a_bare_continuation_clause_is_still_bound(specs) -> None:
    got = proposals("全年收到政府信息公开申请，达15件。", specs)["received"]
    assert got.value == Decimal(15) and got.reason == "other_clause" and got.confidence < LOW_CONFIDENCE


def test_a_total_after_its_parts(specs) -> None:
    got = proposals("全年收到群众网上申请105件，信函17件，合计122件，上年结转11件。", specs)["received"]
    assert got.value == Decimal(122) and got.reason == "total" and got.confidence >= LOW_CONFIDENCE
    # the newly received ones, not the total that includes last year's
    got = confident("共受理依申请公开事项59件，结转上年后新收到依申请公开事项47件。", specs)
    assert got["received"] == Decimal(47)


def test_interpretations_counted_in_tiao_and_new_media_without_zhengwu(specs) -> None:
    assert confident("全年共发布政策解读38条，在线访谈2期。", specs)["interpreted"] == Decimal(38)
    weekly = proposals("“城关发布”有粉丝3万，发布1560条微博。", specs)["posts_per_week"]
    assert weekly.value == Decimal("30.00") and weekly.computation == "1560 ÷ 52 = 30"
    # every channel's disclosures together are not one account's weekly posts
    assert "posts_per_week" not in proposals("通过门户网站及官方微博微信等主动公开政府信息345条。", specs)


def test_proposal_serialises_clause_reason_and_computation(specs) -> None:
    data = proposals("本局微信公众号全年推送政务信息1040条。", specs)["posts_per_week"].to_dict()
    assert data["computation"] == "1040 ÷ 52 = 20" and data["reason"] == "derived_year"
    assert data["clause"] and data["value"] == "20.00"


def test_bare_noun_needs_the_act_the_input_counts(specs) -> None:
    # 信息 alone, without 公开/发布 (or 公布), is not a count of items published
    hint = proposals("其他方式回应群众各类咨询、投诉信息697条。", specs).get("items_published")
    assert hint is None or (hint.confidence < LOW_CONFIDENCE and hint.reason == "bare_noun")
    assert confident("全年在网站和微信平台公布信息202条。", specs)["items_published"] == Decimal(202)


def test_wu_and_a_lone_yi_before_a_unit(specs) -> None:
    assert proposals("2026年，本局无依申请公开事项。", specs)["received"].value == Decimal(0)
    assert "received" not in proposals("本局无纸化办公全面推行。", specs)
    assert confident("全年收到政府信息公开申请一件，已办理完毕。", specs)["received"] == Decimal(1)
    assert "received" not in proposals("推行一次性告知，收到申请后一次性办结。", specs)


def test_the_means_clause_belongs_to_the_clause_that_counts(specs) -> None:
    text = "在门户网站主动公开信息423条。此外，还通过“城关发布”微信公众号，发布信息977条。"
    got = proposals(text, specs)
    assert got["items_published"].value == Decimal(423)
    assert got["posts_per_week"].value == Decimal("18.79") and got["posts_per_week"].computation
    # 新媒体 is the umbrella word: 微博 is still one side channel
    hint = proposals("加大政务新媒体公开力度，微博“城关环境”发布信息16000条。", specs)["items_published"]
    assert hint.confidence < LOW_CONFIDENCE and hint.reason == "one_channel"


def test_asides_short_forms_and_the_act_after_the_figure(specs) -> None:
    text = "局网站主动公开信息927条（其中，政务动态694条），“城关交通”微信公众号发布信息131条。"
    weekly = proposals(text, specs)["posts_per_week"]
    assert weekly.value == Decimal("2.52") and weekly.confidence >= LOW_CONFIDENCE  # (其中…) was an aside
    # the one account of a 其中 list: its weekly rate, not a part of the total
    text = "全年主动公开政府信息598条，其中，政务公开517条，政府微信公众号81条。"
    got = confident(text, specs)
    assert got["items_published"] == Decimal(598) and got["posts_per_week"] == Decimal("1.56")
    assert confident("通过公众号发布信息45条。", specs)["posts_per_week"] == Decimal("0.87")
    assert confident("本年度收到1项依申请公开事项。", specs)["received"] == Decimal(1)
    assert confident("全年累计产生政府信息16条，均已主动公开。", specs)["items_published"] == Decimal(16)


def test_the_indicators_own_title_counts(specs) -> None:
    # D3's title 新闻发布 names 新闻发布活动; the 其中 part is not the total
    got = proposals("全年共举办38场新闻发布活动。其中，防汛专题新闻发布会累计举行20场。", specs)["press_conferences"]
    assert got.value == Decimal(38) and got.confidence >= LOW_CONFIDENCE
