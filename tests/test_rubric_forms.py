"""The rubric editor without YAML: grade bands, share caps, late submission, the bonus gate and each rule's
parameters as plain fields; the engine's messages at the field (row numbers as typed); a new version each
save, audited."""
from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from sqlalchemy import select

from assess.extensions import db
from assess.models import AuditEntry
from assess.rubrics import ruleforms, services
from assess.rubrics.store import engine_rubric, shipped_source, store_rubric
from assess.scoring import yamlnodes
from tests.test_rubrics_support import COUNTY, county_source

FIXTURES = ("scoring_rules/county-annual-2026.yaml", "scoring_rules/guangdong-social-insurance-2014.yaml",
            "tests/fixtures/rubrics/gates-facts.yaml", "tests/fixtures/rubrics/thresholds.yaml",
            "tests/fixtures/rubrics/year-e2e.yaml")


def _raw(path: str) -> dict:
    from pathlib import Path

    from assess import scoring

    text = (Path(__file__).resolve().parents[1] / path).read_text(encoding="utf-8")
    return yamlnodes.load(scoring.dump_rubric(scoring.load_rubric(text, path)))


@pytest.mark.parametrize("path", FIXTURES)
def test_fields_round_trip_every_rubric_exactly(path):
    raw = _raw(path)
    values = services.editor_values(raw)
    new, errors = services.apply_form(copy.deepcopy(raw), values)
    assert errors == {} and new == raw
    assert "grades" not in values and "grades.0.label" in values  # the bands are fields, not YAML


def test_every_county_rule_is_fields_and_a_nested_one_stays_yaml():
    values = services.editor_values(_raw(FIXTURES[0]))
    assert not [k for k in values if k.endswith(".rule")]  # all 36 rules as fields
    assert values["C1.rule.kind"] == "tiers" and values["C1.rule.tiers.0.lower"] == "200"
    assert values["C1.rule.tiers.0.lower_how"] == "from" and values["C1.rule.tiers.1.upper"] == "200"
    assert values["C6.rule.items.1.figure"] == "broken_links" and values["C6.rule.items.1.per"] == "0.2"
    assert values["grades.0.max_share"] == "20" and values["late_submission.fixed"] == "2"
    # a deduction item with its own tiers cannot be shown as fields: kept whole, as YAML
    thresholds = services.editor_values(_raw("tests/fixtures/rubrics/thresholds.yaml"))
    assert "tiers:" in thresholds["A1.rule"] and "A1.rule.kind" not in thresholds


def _values(row):
    return services.editor_values(services.base_raw(row))


def test_grade_band_share_cap_late_rule_and_parameters_saved_as_a_new_version(tenant_a):
    base = store_rubric(tenant_a.office.id, county_source(), filename=COUNTY)
    base.frozen = True
    source = base.source
    v = _values(base)
    v["grades.0.line"] = "92"                      # 优秀：92分及以上
    v["grades.0.max_share"] = "15"                 # at most 15 % of a group
    v["grades.1.line_how"] = "above"               # 良好：高于80分
    v["share_rounding"] = "half_up"
    v["late_submission.fixed"], v["late_submission.per_day"], v["late_submission.max"] = "1", "0.5", "3"
    v["C6.rule.items.0.per"] = "1"                 # 错敏字每处扣1分
    v["C1.points"], v["C5.points"] = "7", "4"      # still 100 in all
    v["C1.rule.tiers.0.points"] = "7"
    new = services.save_edit(base, v, actor=tenant_a.users["office_admin"])
    db.session.flush()
    r = engine_rubric(new)
    assert (r.grades[0].label, r.grades[0].min, r.grades[0].max_share) == ("优秀", Decimal(92), Decimal(15))
    assert r.grades[1].strict and r.grades[1].min == 80
    assert r.share_rounding == "half_up"
    assert (r.late_submission.fixed, r.late_submission.per_day, r.late_submission.max) == (1, Decimal("0.5"), 3)
    assert r.indicator("C6").rule.items[0].per == 1
    assert r.indicator("C1").points == 7 and r.indicator("C5").points == 4
    assert base.source == source and new.version == 2 and new.parent_id == base.id
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "rubric.edit")).one()
    import json

    changed = (entry.new if isinstance(entry.new, dict) else json.loads(entry.new))["changed"]
    assert {"grades", "share_rounding", "late_submission", "C1", "C5", "C6"} <= set(changed)


def test_blank_late_rule_and_blank_grade_row_are_removed_and_a_band_added(tenant_a):
    base = store_rubric(tenant_a.office.id, county_source(), filename=COUNTY)
    v = _values(base)
    for k in ("fixed", "per_day", "max"):
        v[f"late_submission.{k}"] = ""
    # a new band between 良好 and 合格, typed into the blank rows under the table: the lowest band moves down
    v.update({"grades.3.label": "基本合格", "grades.3.line": "70", "grades.4.label": "不合格", "grades.4.line": "0"})
    v["grades.2.line"] = "60"
    v["grades.2.label"] = "合格"
    v["grades.3.label"], v["grades.3.line"] = "基本合格", "50"
    r = engine_rubric(services.save_edit(base, v))
    assert r.late_submission is None
    assert [g.label for g in r.grades] == ["优秀", "良好", "合格", "基本合格", "不合格"]


def test_wrong_points_error_at_total_names_the_indicators_and_keeps_the_fields(tenant_a):
    base = store_rubric(tenant_a.office.id, county_source(), filename=COUNTY)
    v = _values(base)
    v["C1.points"] = "7"
    with pytest.raises(services.EditError) as exc:
        services.save_edit(base, v)
    msg = exc.value.fields["total"][0]
    assert "101" in msg and "C1" in msg and "7分" in msg


def test_engine_messages_land_on_the_row_the_user_typed(tenant_a):
    base = store_rubric(tenant_a.office.id, county_source(), filename=COUNTY)
    v = _values(base)
    # row 1 left blank (deleted), the gap moves the file's rows: the engine's tiers[1] is form row 2
    for k in ("lower", "upper", "points", "label"):
        v[f"C1.rule.tiers.1.{k}"] = ""
    v["C1.rule.tiers.2.lower"] = "60"              # 50–100 becomes 60–100: 100–200 and 50–60 are gaps
    with pytest.raises(services.EditError) as exc:
        services.save_edit(base, v)
    fields = exc.value.fields
    assert any(k.startswith("C1.rule.tiers.") for k in fields), fields
    # no message is put on the blank row the user deleted
    assert not any(k.startswith("C1.rule.tiers.1") for k in fields), fields


def test_grade_line_above_the_total_is_an_error_at_that_band(tenant_a):
    base = store_rubric(tenant_a.office.id, county_source(), filename=COUNTY)
    v = _values(base)
    v["grades.0.line"] = "120"
    with pytest.raises(services.EditError) as exc:
        services.save_edit(base, v)
    assert "高于总分" in exc.value.fields["grades.0.line"][0]
    v = _values(base)
    v["grades.3.max_share"] = "10"
    with pytest.raises(services.EditError) as exc:
        services.save_edit(base, v)
    assert "最低等次不能设比例上限" in exc.value.fields["grades.3.max_share"][0]


def test_bad_number_in_a_parameter_is_refused_at_it(tenant_a):
    base = store_rubric(tenant_a.office.id, county_source(), filename=COUNTY)
    v = _values(base)
    v["C6.rule.items.0.per"] = "半分"
    v["late_submission.max"] = "1e3"
    with pytest.raises(services.EditError) as exc:
        services.save_edit(base, v)
    assert exc.value.fields["C6.rule.items.0.per"] == ["请输入数字。"]
    assert exc.value.fields["late_submission.max"] == ["请输入数字。"]


def test_missing_parameter_named_by_the_engine_at_the_rule(tenant_a):
    base = store_rubric(tenant_a.office.id, county_source(), filename=COUNTY)
    v = services.change_kind({**_values(base), "C1.rule.kind": "ratio"}, "C1")
    assert v["C1.rule.figure"] == "items_published" and not any(k.startswith("C1.rule.tiers") for k in v)
    with pytest.raises(services.EditError) as exc:  # no target
        services.save_edit(base, v)
    assert any(k.startswith("C1.rule") for k in exc.value.fields)
    assert "target" in " ".join(m for k, ms in exc.value.fields.items() if k.startswith("C1.rule") for m in ms)
    v["C1.rule.target"] = "200"
    r = engine_rubric(services.save_edit(base, v))
    assert r.indicator("C1").rule.kind == "ratio"


def test_unknown_kind_is_the_engines_message_at_the_rule(tenant_a):
    base = store_rubric(tenant_a.office.id, county_source(), filename=COUNTY)
    v = {**_values(base), "C1.rule.kind": "dedution"}
    with pytest.raises(services.EditError) as exc:
        services.save_edit(base, v)
    assert "deduction" in " ".join(exc.value.fields["C1.rule.kind"])


def test_rule_to_yaml_and_back_keeps_what_was_typed():
    raw = _raw(FIXTURES[0])
    v = services.editor_values(raw)
    v["C6.rule.items.0.per"] = "0.8"
    as_yaml = services.rule_as_yaml(v, "C6")
    assert "per: 0.8" in as_yaml["C6.rule"] and "C6.rule.kind" not in as_yaml
    back, problem = services.rule_as_form(as_yaml, "C6")
    assert problem is None and back["C6.rule.items.0.per"] == "0.8"
    nested = {**as_yaml, "C6.rule": "kind: deduction\nitems:\n- figure: wrong_chars\n  tiers:\n  - {at_least: 1, deduct: 1}\n"}
    same, problem = services.rule_as_form(nested, "C6")
    assert problem and same is nested


def test_rule_fields_refuse_what_they_cannot_show():
    assert ruleforms.rule_fields("X", {"kind": "tiers", "figure": "a", "tiers": [{"from": 0, "points": 1}],
                                       "future_key": 1}) is None
    assert ruleforms.rule_fields("X", {"kind": "nope"}) is None


def test_concurrent_saves_from_the_fields_never_overwrite(tenant_a):
    base = store_rubric(tenant_a.office.id, shipped_source(COUNTY), filename=COUNTY)
    mine, theirs = _values(base), _values(base)
    theirs["grades.0.line"] = "95"
    mine["grades.0.line"] = "85"
    mine["grades.1.line"] = "75"
    services.save_edit(base, theirs, seen_latest=1)
    with pytest.raises(services.EditError) as exc:
        services.save_edit(base, mine, seen_latest=1)
    assert exc.value.latest == 2 and "第2版" in exc.value.fields["_"][0]
    third = services.save_edit(base, mine, seen_latest=exc.value.latest)
    assert third.version == 3 and engine_rubric(third).grades[0].min == 85
