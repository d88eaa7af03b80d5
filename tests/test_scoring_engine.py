"""Engine: input validation, whole-rubric scoring, totals, bonus cap, late submission, veto, aggregate."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from assess.scoring import (
    InputError,
    aggregate,
    bounds,
    grade_for,
    load_rubric,
    load_rubric_file,
    score,
    validate_inputs,
)

ROOT = Path(__file__).resolve().parents[1]
COUNTY = load_rubric_file(str(ROOT / "scoring_rules" / "county-annual-2026.yaml"))
GUANGDONG = load_rubric_file(str(ROOT / "scoring_rules" / "guangdong-social-insurance-2014.yaml"))
SAMPLE = json.loads((ROOT / "tests" / "fixtures" / "rubrics" / "county-inputs.json").read_text(encoding="utf-8"),
                    parse_float=D)


def sample_score(**kw):
    args = {"judgements": SAMPLE["judgements"], **kw}
    return score(COUNTY, SAMPLE["inputs"], **args)


def test_county_sample_scores_and_explains():
    res = sample_score()
    assert res.areas == {"A": D("8"), "B": D("10.7"), "C": D("32.9"), "D": D("11.3"), "E": D("19.5")}
    assert res.base == D("82.4")
    assert (res.bonus, res.total, res.grade, res.veto) == (D("1.5"), D("83.9"), "良好", ())
    assert res.indicators["C1"].explanation_zh == "公开信息246条，≥200条档，得6分"
    assert res.rubric_code == "county-annual-2026" and res.rubric_version == 1
    assert all(isinstance(s.score, D) for s in res.indicators.values())
    assert res.total == sum(res.areas.values()) + res.bonus - res.late_deduction


def test_totals_are_sums_of_indicators():
    res = sample_score()
    for area in COUNTY.areas:
        assert res.areas[area.code] == sum(res.indicators[i.code].score for i in area.indicators)


def test_validate_inputs_reports_every_problem_with_paths():
    bad = {
        "A1": {"has_group": "maybe"},
        "A3": {"meetings": -1},
        "C1": {"items_published": 12.5, "colour": 1},
        "E4": {"reply_rate": 101},
        "ZZ": {},
        "C4": {"posts_per_week": "三"},
    }
    problems = {p.path: p.message for p in validate_inputs(COUNTY, bad)}
    assert "ZZ" in problems and "未知指标代码" in problems["ZZ"]
    assert "是/否" in problems["A1.has_group"]
    assert "不能为负数" in problems["A3.meetings"]
    assert "整数" in problems["C1.items_published"]
    assert "没有填报项" in problems["C1.colour"]
    assert "不能超过100" in problems["E4.reply_rate"]
    assert "不是数字" in problems["C4.posts_per_week"]
    assert "缺少必填项" in problems["E1.received"]
    assert "X1.adopted" not in problems  # optional bonus figure


def test_score_refuses_bad_inputs_instead_of_zeroes():
    with pytest.raises(InputError) as info:
        score(COUNTY, {"A1": {}})
    assert any(p.path == "A1.has_group" for p in info.value.problems)


def test_decimal_exactness_through_the_engine():
    text = """
format: assess-rubric/1
code: exact
name: 精度
office: 办
year: 2026
version: 1
total: 0.3
grades: [{label: 合格, min: 0.3}, {label: 不合格, min: 0}]
areas:
  - code: A
    title: 甲
    indicators:
      - {code: A1, title: 一, points: 0.1, inputs: [{name: ok, label: 是否, type: boolean}], rule: {kind: boolean, figure: ok}}
      - {code: A2, title: 二, points: 0.2, inputs: [{name: ok, label: 是否, type: boolean}], rule: {kind: boolean, figure: ok}}
"""
    rubric = load_rubric(text)
    assert rubric.total == D("0.3")
    res = score(rubric, {"A1": {"ok": True}, "A2": {"ok": True}})
    assert res.total == D("0.3")
    assert res.grade == "合格"


def test_float_inputs_are_read_through_their_text():
    inputs = dict(SAMPLE["inputs"], C4={"posts_per_week": 0.1 + 0.2})
    res = score(COUNTY, inputs, judgements=SAMPLE["judgements"])
    assert res.indicators["C4"].inputs_used["posts_per_week"] == D(str(0.1 + 0.2))


def test_bonus_is_capped():
    inputs = dict(SAMPLE["inputs"], X1={"adopted": 10}, X2={"pilot": True}, X3={"praised": 2})
    res = score(COUNTY, inputs, judgements=SAMPLE["judgements"])
    assert res.bonus_raw == 7 and res.bonus == 5
    assert any("以5分为限" in line for line in res.explanation_zh)


def test_late_submission_deduction():
    res = sample_score(late_days=3)
    assert res.late_deduction == 2
    assert res.total == D("81.9")
    with pytest.raises(InputError):
        sample_score(late_days=-1)


def test_veto_sets_grade_whatever_the_score():
    inputs = dict(SAMPLE["inputs"], V2={"privacy_incidents": 1})
    res = score(COUNTY, inputs, judgements=SAMPLE["judgements"])
    assert res.veto == ("V2",)
    assert res.grade == "不合格"
    assert res.total == D("83.9")
    assert res.indicators["V2"].triggered


def test_aggregate_from_stored_scores_matches_score():
    res = sample_score(late_days=1)
    stored = {c: s.score for c, s in res.indicators.items() if s.kind != "veto"}
    totals = aggregate(COUNTY, stored, late_days=1)
    assert (totals.areas, totals.bonus, totals.total, totals.grade) == (res.areas, res.bonus, res.total, res.grade)
    assert aggregate(COUNTY, stored, vetoes=["V1"]).grade == "不合格"


def test_aggregate_refuses_unknown_missing_or_out_of_bounds():
    res = sample_score()
    stored = {c: s.score for c, s in res.indicators.items() if s.kind != "veto"}
    with pytest.raises(InputError) as info:
        aggregate(COUNTY, {**stored, "Q9": D(1)})
    assert info.value.problems[0].path == "Q9"
    missing = dict(stored)
    del missing["A1"]
    with pytest.raises(InputError):
        aggregate(COUNTY, missing)
    with pytest.raises(InputError):
        aggregate(COUNTY, {**stored, "A1": D(7)})
    with pytest.raises(InputError):
        aggregate(COUNTY, stored, vetoes=["A1"])


def test_bounds():
    assert bounds(COUNTY, "C6").step == D("0.1")
    assert bounds(COUNTY, "B4").min == D(2) - D(15)  # floor: area
    assert bounds(COUNTY, "C8").max == 4
    with pytest.raises(KeyError):
        bounds(COUNTY, "nope")


def test_grade_for_bands():
    assert [grade_for(COUNTY, D(x)) for x in (100, 90, D("89.99"), 80, 60, D("59.5"), 0)] == \
        ["优秀", "优秀", "良好", "良好", "合格", "不合格", "不合格"]
    assert grade_for(COUNTY, D(99), veto=True) == "不合格"


def test_guangdong_full_marks_and_stage_one_levels():
    full = {
        "A1": {"has_group": True}, "A2": {"has_plan": True}, "A3": {"liaison_scheme": True}, "A4": {"funded": True},
        "A5": {"missed_reports": 0}, "A6": {"trained": True},
        "B1": {k: True for k in ("policies", "functions", "plans", "guides", "rights", "annual_data")},
        "B2": {"ledger": True}, "B3": {"channel_rules": True}, "B4": {"missing_items": 0},
        "C1": {k: True for k in ("gazette", "website", "white_paper", "service_window", "hotline")},
        "C2": {"new_media": True}, "C3": {"posts_per_day": 1}, "C5": {"hall_board": True, "leaflet_stand": True,
                                                                       "guide_staff": True},
        "C6": {"townships": 120, "townships_equipped": 120}, "C7": {"board_coverage": 100}, "C8": {"online_hall": True},
        "D1": {"ad_weeks": 9}, "D2": {"articles": 13}, "D3": {"sms_per_week": 1}, "D4": {"leaflet_coverage": 100},
        "D5": {"campaign_coverage": 100},
        "E1": {"answer_rate": 60}, "E2": {"hotline_satisfaction": 70}, "E3": {"awareness": 80}, "E4": {"satisfaction": 80},
    }
    res = score(GUANGDONG, full)  # judgement C4 pending → default max
    assert res.total == 100 and res.grade == "优秀"
    stage_one = dict(full, E1={"answer_rate": 50}, E2={"hotline_satisfaction": 60}, E3={"awareness": 60})
    res1 = score(GUANGDONG, stage_one, judgements={"C4": D(3)})
    assert res1.indicators["E1"].score == D("6.67")
    assert res1.indicators["E3"].explanation_zh.startswith("群众知晓率60%，目标80%，按比例得5.25分")


def test_aggregate_reads_floats_through_their_text():
    res = sample_score()
    stored = {c: float(s.score) for c, s in res.indicators.items() if s.kind != "veto"}
    assert aggregate(COUNTY, stored).total == res.total
    with pytest.raises(InputError):
        aggregate(COUNTY, {**stored, "A1": True})


def test_scoring_package_stays_pure():
    import ast

    for path in (ROOT / "assess" / "scoring").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                mods = [node.module or ""]
            else:
                continue
            for mod in mods:
                top = mod.split(".")[0]
                assert top not in {"flask", "flask_sqlalchemy", "sqlalchemy", "werkzeug"}, f"{path.name} imports {mod}"
