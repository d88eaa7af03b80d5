"""Rubric services: upload, shipped rubrics, table wording, editor (new versions, errors at fields), replay."""
from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from sqlalchemy import select

from assess import scoring
from assess.extensions import db
from assess.models import AuditEntry, Rubric
from assess.ranking.replay import replay
from assess.rubrics import services
from assess.rubrics.store import engine_rubric, shipped_source, store_rubric
from assess.scoring import yamlnodes
from tests.test_rubrics_support import BASE_INPUTS, COUNTY, county_source, scored_campaign

BROKEN = """format: assess-rubric/1
code: broken
name: 坏细则
office: 测试
year: 2026
version: 1
total: 10
grades:
  - {label: 合格, min: 60}
areas:
  - code: A
    title: 甲
    indicators:
      - code: A1
        title: 一
        points: 4
        rule: {kind: nonsense, figure: x}
      - code: A1
        title: 二
        points: 4
        inputs:
          - {name: n, label: 数量, type: integer}
        rule:
          kind: tiers
          figure: n
          tiers:
            - {from: 0, below: 5, points: 1}
            - {from: 3, points: 4}
"""


def _versions(office_id, family):
    return db.session.scalars(select(Rubric).where(Rubric.office_id == office_id, Rubric.family == family)
                              .order_by(Rubric.version)).all()


# --------------------------------------------------------------------------- upload


def test_upload_valid_stores_version_and_audits(tenant_a):
    office = tenant_a.office
    row = services.upload(office.id, county_source().encode(), COUNTY, actor=tenant_a.users["office_admin"])
    assert (row.family, row.version, row.frozen, row.parent_id) == ("county-annual-2026", 1, False, None)
    again = services.upload(office.id, county_source("第二稿").encode(), COUNTY)
    assert again.version == 2
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "rubric.store")).all()


def test_upload_broken_lists_every_problem_with_lines_and_stores_nothing(tenant_a):
    with pytest.raises(scoring.RubricError) as exc:
        services.upload(tenant_a.office.id, BROKEN.encode(), "broken.yaml")
    problems = exc.value.problems
    assert len(problems) >= 4
    assert all(p.line for p in problems)
    text = "\n".join(f"{p.line} {p.path} {p.message}" for p in problems)
    assert "nonsense" in text  # unknown rule kind
    assert "重复" in text  # duplicate code
    assert "重叠" in text  # overlapping tiers
    assert "total" in text  # points do not add up
    assert _versions(tenant_a.office.id, "broken") == []


def test_upload_refuses_non_utf8_empty_and_duplicates(tenant_a):
    oid = tenant_a.office.id
    with pytest.raises(services.RubricsError, match="UTF-8"):
        services.upload(oid, "名称".encode("gbk"), "x.yaml")
    with pytest.raises(services.RubricsError, match="空"):
        services.upload(oid, b"  \n", "x.yaml")
    services.upload(oid, county_source().encode(), COUNTY)
    with pytest.raises(services.RubricsError, match="完全相同"):
        services.upload(oid, county_source().encode(), COUNTY)


def test_add_shipped(tenant_a):
    names = [n for n, _ in services.shipped_files()]
    assert {"county-annual-2026.yaml", "guangdong-social-insurance-2014.yaml"} <= set(names)
    row = services.add_shipped(tenant_a.office.id, "guangdong-social-insurance-2014.yaml")
    assert row.version == 1 and engine_rubric(row).indicator_count > 10
    with pytest.raises(services.RubricsError):
        services.add_shipped(tenant_a.office.id, "../secret.yaml")


def test_families_show_versions_and_campaigns(tenant_a):
    oid = tenant_a.office.id
    c = scored_campaign(tenant_a.office, [tenant_a.dept_a], inputs_by_dept={tenant_a.dept_a.id: BASE_INPUTS})
    services.upload(oid, county_source("第二稿").encode(), COUNTY)
    fams = services.families(oid)
    assert len(fams) == 1
    v2, v1 = fams[0].versions
    assert (v2.row.version, v1.row.version) == (2, 1)
    assert v1.campaigns == [c] and v1.row.frozen and v2.campaigns == []


# --------------------------------------------------------------------------- table wording


def test_rule_descriptions_read_like_a_rubric():
    r = scoring.load_rubric(shipped_source(COUNTY), COUNTY)
    words = {row.code: row.rule for s in services.rubric_table(r).sections for row in s.rows}
    assert words["C6"] == "每发现一处错敏字扣0.5分，每发现一个错误链接扣0.2分，扣完为止。"
    assert words["C1"] == "按公开信息分档：200条及以上得6分；100至199条得4分；50至99条得2分；0至49条不得分。"
    assert words["A1"] == "设立政务公开领导小组的，得3分；否则不得分。"
    assert "步长0.5分" in words["B6"]
    assert "逾期扣0.5分，每逾期1天再扣0.1分，最多扣3分" in words["B3"]
    assert "本领域最低为0分" in words["E3"]
    assert "低于50%不得分" in words["D1"]
    t = services.rubric_table(r)
    assert [row.number for row in t.sections[0].rows][:2] == ["1.1", "1.2"]
    assert t.sections[0].title == "一、组织领导"
    assert "每条得0.5分，最多3分" in t.bonus.rows[0].rule
    assert "一票否决，等次为不合格" in t.vetoes.rows[0].rule
    assert t.grades[0] == "优秀：90分及以上，且不超过排名分组的20%"
    assert "主动公开" in t.tie_break
    assert any("按时答复率＝按时答复÷收到申请" in c for s in t.sections for row in s.rows for c in row.computed)


# --------------------------------------------------------------------------- editor


def _values(row):
    return services.editor_values(services.base_raw(row), yaml_fields=True)  # the YAML boxes (still accepted)


def test_edit_stores_new_version_base_untouched(tenant_a):
    base = store_rubric(tenant_a.office.id, county_source(), filename=COUNTY)
    base.frozen = True
    source_before = base.source
    values = _values(base)
    values["C1.points"] = "5"
    values["C6.points"] = "6"  # total stays 100
    values["C1.title"] = "信息发布数量"
    values["C1.rule"] = values["C1.rule"].replace("points: 6", "points: 5")
    new = services.save_edit(base, values, actor=tenant_a.users["office_admin"])
    assert (new.version, new.parent_id, new.frozen) == (2, base.id, False)
    assert base.source == source_before and base.frozen
    eng = engine_rubric(new)
    assert eng.version == 2
    assert eng.indicator("C1").title == "信息发布数量" and eng.indicator("C1").points == 5
    assert eng.indicator("C6").points == 6
    assert engine_rubric(base).indicator("C1").points == 6


def test_edit_total_broken_error_at_total_and_nothing_stored(tenant_a):
    base = store_rubric(tenant_a.office.id, county_source(), filename=COUNTY)
    values = _values(base)
    values["A1.points"] = "4"
    values["A1.standard"] = "我的新标准文字"
    with pytest.raises(services.EditError) as exc:
        services.save_edit(base, values)
    assert "total" in exc.value.fields
    assert "101" in exc.value.fields["total"][0]
    assert len(_versions(tenant_a.office.id, base.family)) == 1


def test_edit_errors_land_on_their_fields(tenant_a):
    base = store_rubric(tenant_a.office.id, county_source(), filename=COUNTY)
    values = _values(base)
    values["C1.points"] = "abc"
    values["A3.rule"] = "kind: [unclosed"
    values["E4.rule"] = "kind: tiers\nfigure: reply_rate\ntiers:\n- {from: 90, points: 4}\n- {from: 0, below: 80, points: 0}\n"
    with pytest.raises(services.EditError) as exc:
        services.save_edit(base, values)
    assert exc.value.fields["C1.points"] == ["请输入数字。"]
    assert "YAML 语法错误" in exc.value.fields["A3.rule"][0]
    # the engine pass runs only once the form reads cleanly
    values["C1.points"] = "6"
    values["A3.rule"] = _values(base)["A3.rule"]
    with pytest.raises(services.EditError) as exc:
        services.save_edit(base, values)
    assert "E4.rule" in exc.value.fields and "空缺" in exc.value.fields["E4.rule"][0]


def test_edit_without_changes_is_refused(tenant_a):
    base = store_rubric(tenant_a.office.id, county_source(), filename=COUNTY)
    with pytest.raises(services.EditError) as exc:
        services.save_edit(base, _values(base))
    assert "没有任何修改" in exc.value.fields["_"][0]


def test_move_reorders_indicators_and_keeps_other_input(tenant_a):
    base = store_rubric(tenant_a.office.id, county_source(), filename=COUNTY)
    raw = services.base_raw(base)
    values = _values(base)
    values["A1.title"] = "改过的标题"
    moved = services.move(values, raw, "A2:up")
    assert moved["A.order"].startswith("A2,A1,")
    assert moved["A1.title"] == "改过的标题"
    assert services.move(moved, raw, "A2:up")["A.order"] == moved["A.order"]  # already first
    new = services.save_edit(base, moved)
    assert [i.code for i in engine_rubric(new).areas[0].indicators][:2] == ["A2", "A1"]
    assert engine_rubric(new).indicator("A1").title == "改过的标题"
    # a tampered order falls back to the file's order
    assert services.editor_layout(raw, {"A.order": "A1,ZZ"})[0].indicators[0].code == "A1"


def test_field_of_maps_engine_paths():
    raw = yamlnodes.load(scoring.dump_rubric(scoring.load_rubric(shipped_source(COUNTY), COUNTY)))
    assert services.field_of("areas[2].indicators[0].rule.tiers[1]", raw) == "C1.rule"
    assert services.field_of("areas[0].indicators[1].points", raw) == "A2.points"
    assert services.field_of("areas[0].indicators[1].inputs[0].max", raw) == "A2.rule"
    assert services.field_of("areas[1].title", raw) == "B.title"
    assert services.field_of("bonus.indicators[0].rule.per", raw) == "X1.rule"
    assert services.field_of("bonus.cap", raw) == "bonus_cap"
    assert services.field_of("grades[1].min", raw) == "grades"
    assert services.field_of("tie_break[0]", raw) == "tie_break"
    assert services.field_of("total", raw) == "total"
    assert services.field_of("format", raw) == "_"


def test_decimal_round_trip_through_the_editor(tenant_a):
    base = store_rubric(tenant_a.office.id, county_source(), filename=COUNTY)
    raw = services.base_raw(base)
    assert raw["areas"][2]["indicators"][5]["rule"]["items"][1]["per"] == Decimal("0.2")
    new, errors = services.apply_form(copy.deepcopy(raw), services.editor_values(raw))
    assert errors == {} and new == raw


def test_download_source_round_trip(tenant_a):
    base = store_rubric(tenant_a.office.id, county_source(), filename=COUNTY)
    values = _values(base)
    values["B6.guidance"] = "新的评审提示"
    new = services.save_edit(base, values)
    assert scoring.load_rubric(new.source, "x.yaml") == engine_rubric(new)
    assert scoring.load_rubric(base.source, "x.yaml") == engine_rubric(base)


# --------------------------------------------------------------------------- frozen versions and campaigns


def test_editing_a_frozen_rubric_never_changes_campaign_scores(tenant_a):
    from assess.ranking.services import compute_ranking

    t = tenant_a
    strong = dict(BASE_INPUTS)
    weak = {**BASE_INPUTS, "C1": {"items_published": 120}, "C6": {"wrong_chars": 3, "broken_links": 1}}
    c = scored_campaign(t.office, [t.dept_a, t.dept_b], inputs_by_dept={t.dept_a.id: strong, t.dept_b.id: weak})
    base = c.rubric
    before = [(r.department_id, r.total, r.rank, r.grade) for r in compute_ranking(c)]
    source = base.source
    values = _values(base)
    values["C1.points"], values["C6.points"] = "2", "9"
    values["C1.rule"] = "kind: boolean\nfigure: items_published\n"
    with pytest.raises(services.EditError):  # a number figure in a yes/no rule: refused, nothing stored
        services.save_edit(base, values)
    values["C1.rule"] = ("kind: tiers\nfigure: items_published\ntiers:\n- {from: 100, points: 2}\n"
                         "- {from: 0, below: 100, points: 0}\n")
    new = services.save_edit(base, values)
    db.session.flush()
    db.session.expire_all()
    assert c.rubric_id == base.id and base.source == source and new.id != base.id
    assert [(r.department_id, r.total, r.rank, r.grade) for r in compute_ranking(c)] == before


# --------------------------------------------------------------------------- replay


def _replay_world(t):
    strong = dict(BASE_INPUTS)
    weak = {**BASE_INPUTS, "C1": {"items_published": 120}, "C6": {"wrong_chars": 3, "broken_links": 1},
            "D1": {"key_docs": 4, "interpreted": 3}}
    return scored_campaign(t.office, [t.dept_a, t.dept_b], inputs_by_dept={t.dept_a.id: strong, t.dept_b.id: weak},
                           judgements={t.dept_a.id: {"B6": 2, "C8": 4, "D4": 3}, t.dept_b.id: {"B6": 1, "C8": 3, "D4": 2}})


def test_replay_with_the_same_rubric_moves_nothing(tenant_a):
    c = _replay_world(tenant_a)
    result = replay(c, c.rubric)
    assert result.changed == [] and result.before == result.after
    assert all(not r.moved for r in result.rows)
    assert (result.removed, result.added, result.rescored, result.no_data) == ([], [], [], {})


def test_replay_shows_grade_and_rank_changes(tenant_a):
    t = tenant_a
    a_in = {**BASE_INPUTS, "C6": {"wrong_chars": 2, "broken_links": 0}}  # C6: 4 of 5 → total 99
    b_in = {**BASE_INPUTS, "C1": {"items_published": 120}}  # C1: 4 of 6 → total 98
    c = scored_campaign(t.office, [t.dept_a, t.dept_b], inputs_by_dept={t.dept_a.id: a_in, t.dept_b.id: b_in})
    # the candidate deducts 2 per wrong character (A: C6 1 of 5 → 96) and asks 97 for 良好
    values = _values(c.rubric)
    values["C6.rule"] = values["C6.rule"].replace("per: 0.5", "per: 2")
    values["grades"] = values["grades"].replace("min: 90", "min: 98").replace("min: 80", "min: 97")
    cand = services.save_edit(c.rubric, values)
    result = replay(c, cand)
    rows = {r.department_id: r for r in result.rows}
    a, b = rows[t.dept_a.id], rows[t.dept_b.id]
    assert (a.before_total, a.after_total, b.before_total, b.after_total) == (99, 96, 98, 98)
    assert (a.before_rank, a.after_rank, b.before_rank, b.after_rank) == (1, 2, 2, 1)
    assert (a.before_grade, a.after_grade) == ("良好", "合格")  # 优秀 capped at 20 % of two departments
    assert ("C6", Decimal(4), Decimal(1)) in a.moved
    assert result.rescored == [("C6", "内容准确")]
    assert result.before == {"优秀": 0, "良好": 2, "合格": 0, "不合格": 0}
    assert result.after == {"优秀": 0, "良好": 1, "合格": 1, "不合格": 0}
    assert {r.department_id for r in result.changed} == {t.dept_a.id, t.dept_b.id}


def test_replay_reports_codes_missing_and_new(tenant_a):
    """A candidate without C9 and with a new indicator whose figures nobody reported."""
    t = tenant_a
    c = _replay_world(t)
    src = c.rubric.source
    start = src.index("      - code: C9")
    end = src.index("  - code: D\n")
    new_c9 = """      - code: C10
        title: 政务开放日
        points: 3
        inputs:
          - {name: open_days, label: 政务开放日活动, type: integer, unit: 次}
        rule:
          kind: tiers
          figure: open_days
          tiers:
            - {from: 2, points: 3}
            - {from: 0, below: 2, points: 0}

"""
    cand = store_rubric(t.office.id, src[:start] + new_c9 + src[end:], filename=COUNTY)
    result = replay(c, cand)
    assert result.removed == [("C9", "意见征集与反馈")]
    assert result.added == [("C10", "政务开放日")]
    assert result.no_data == {"C10": 2}
    rows = {r.department_id: r for r in result.rows}
    assert rows[t.dept_a.id].after_total == rows[t.dept_a.id].before_total - 3  # C9 (3) gone, C10 counted 0
    best = replay(c, cand, missing="max")
    assert {r.department_id: r.after_total for r in best.rows}[t.dept_a.id] == rows[t.dept_a.id].before_total


def test_replay_keeps_vetoes_and_judgements(tenant_a):
    t = tenant_a
    strong = dict(BASE_INPUTS)
    c = scored_campaign(t.office, [t.dept_a, t.dept_b], inputs_by_dept={t.dept_a.id: strong, t.dept_b.id: strong},
                        judgements={t.dept_a.id: {"C8": 4}, t.dept_b.id: {"C8": 2.5}},
                        vetoes={t.dept_b.id: ("V1",)})
    values = _values(c.rubric)
    values["C8.points"], values["C9.points"] = "3", "4"
    values["C8.rule"] = "kind: judgement\nmin: 0\nmax: 3\nstep: 0.5\n"
    values["C9.rule"] = "kind: ratio\nfigure: feedback_rate\ntarget: 100\n"
    cand = services.save_edit(c.rubric, values)
    result = replay(c, cand)
    rows = {r.department_id: r for r in result.rows}
    assert rows[t.dept_b.id].after_grade == "不合格"  # the veto stands
    assert ("C8", Decimal(4), Decimal(3)) in rows[t.dept_a.id].moved  # judgement carried, fitted into 0..3
    assert all(code != "C8" for code, _b, _a in rows[t.dept_b.id].moved)  # 2.5 still fits


def test_demo_rubrics_after_the_demo_campaign(tenant_a):
    import random

    from assess.demo.rubrics import demo_rubrics

    store_rubric(tenant_a.office.id, county_source(), filename=COUNTY).frozen = True  # as demo_campaign leaves it
    made = demo_rubrics(tenant_a.office, random.Random(1))
    assert [(r.family, r.version) for r in made] == [("county-annual-2026", 2), ("guangdong-social-insurance-2014", 1)]
    assert "扣完为止" in engine_rubric(made[0]).indicator("C6").standard
    assert demo_rubrics(tenant_a.office, random.Random(1)) == []  # idempotent


def test_concurrent_edit_is_told_once_and_never_overwrites(tenant_a):
    base = store_rubric(tenant_a.office.id, county_source(), filename=COUNTY)
    mine, theirs = _values(base), _values(base)
    theirs["A1.title"] = "他人的修改"
    services.save_edit(base, theirs, seen_latest=1)
    mine["A2.title"] = "我的修改"
    with pytest.raises(services.EditError) as exc:
        services.save_edit(base, mine, seen_latest=1)
    assert exc.value.latest == 2 and "第2版" in exc.value.fields["_"][0]
    third = services.save_edit(base, mine, seen_latest=exc.value.latest)
    assert third.version == 3 and engine_rubric(third).indicator("A1").title == "领导小组"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "rubric.edit")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry is not None and "A2" in (entry.new or "")


def test_replay_keeps_reviewer_adjustments_and_non_submitters(tenant_a):
    from assess.models import IndicatorResult, Submission, SubmissionState

    t = tenant_a
    c = scored_campaign(t.office, [t.dept_a, t.dept_b], inputs_by_dept={t.dept_a.id: BASE_INPUTS,
                                                                        t.dept_b.id: BASE_INPUTS})
    adjusted = db.session.scalars(select(IndicatorResult).where(IndicatorResult.department_id == t.dept_a.id,
                                                                IndicatorResult.indicator_code == "C6")).one()
    adjusted.final_score = Decimal("3.5")  # a reviewer found three wrong characters the department did not report
    sub_b = db.session.scalars(select(Submission).where(Submission.department_id == t.dept_b.id)).one()
    sub_b.state = SubmissionState.IN_PROGRESS
    db.session.flush()
    same = replay(c, c.rubric)
    assert same.changed == []
    values = _values(c.rubric)
    values["C1.rule"] = values["C1.rule"].replace("from: 200", "from: 300").replace("below: 200", "below: 300")
    result = replay(c, services.save_edit(c.rubric, values))
    rows = {r.department_id: r for r in result.rows}
    a, b = rows[t.dept_a.id], rows[t.dept_b.id]
    assert (a.before_total, a.after_total) == (Decimal("98.50"), Decimal("96.50"))  # C1 250 now in the 4-point tier; the reviewer's C6 3.5 stands
    assert [m[0] for m in a.moved] == ["C1"]
    assert (b.submitted, b.after_rank) == (False, 2) and b.after_grade == "不合格"


@pytest.mark.parametrize("name", ["county-annual-2026.yaml", "guangdong-social-insurance-2014.yaml"])
def test_editor_values_round_trip_every_shipped_rubric(name):
    rubric = scoring.load_rubric(shipped_source(name), name)
    raw = yamlnodes.load(scoring.dump_rubric(rubric))
    new, errors = services.apply_form(raw, services.editor_values(raw))
    assert errors == {} and new == raw
    assert scoring.load_rubric(yamlnodes.dump(new), name) == rubric


def test_editor_rule_field_refuses_what_an_upload_refuses(tenant_a):
    """The editor reads YAML with the engine's reader: a key written twice in a rule is an error at the
    field with its line, not the last value silently winning; an exact decimal stays exact."""
    base = store_rubric(tenant_a.office.id, county_source(), filename=COUNTY)
    raw = services.base_raw(base)
    values = services.editor_values(raw, yaml_fields=True)
    values["A3.rule"] = "kind: boolean\nkind: manual\n"
    _new, errors = services.apply_form(copy.deepcopy(raw), values)
    assert "第2行" in errors["A3.rule"][0] and "重复" in errors["A3.rule"][0]
    assert yamlnodes.load("per: 0.1\n") == {"per": Decimal("0.1")} and yamlnodes.load("") is None
    assert yamlnodes.dump({"per": Decimal("0.10"), "n": Decimal("2")}) == "per: 0.1\nn: 2\n"
