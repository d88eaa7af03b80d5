"""The grid an adopted score must lie on (``bounds().step``) always holds the engine's own suggestion.

A rule that multiplies a figure which may carry decimals (a ``decimal`` or ``rate`` input, a computed
figure with places) can produce any 0.01 value, so its step is 0.01; counted in whole numbers it keeps
the coarser grid of its amounts.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from assess.scoring import InputError, aggregate, bounds, load_rubric, score
from assess.scoring.explain import gcd

HEAD = """
format: assess-rubric/1
code: steps
name: 步长
office: 测试公开办
year: 2026
version: 1
total: 15
grades:
  - {label: 合格, min: 6}
  - {label: 不合格, min: 0}
areas:
  - code: A
    title: 测试
    indicators:
      - code: A1
        title: 不可访问率
        points: 5
        inputs:
          - {name: unreachable, label: 不可访问率, type: rate, unit: "%"}
        rule:
          kind: deduction
          items:
            - {figure: unreachable, per: 1}
      - code: A2
        title: 更新量
        points: 5
        inputs:
          - {name: hours, label: 超时小时, type: decimal}
        rule:
          kind: deduction
          items:
            - {figure: hours, per: 2}
      - code: A3
        title: 错误数
        points: 5
        inputs:
          - {name: errors, label: 错误, type: integer, unit: 处}
        rule:
          kind: deduction
          items:
            - {figure: errors, per: 1}
bonus:
  cap: 2
  indicators:
    - code: X1
      title: 培训人次（折算）
      points: 2
      inputs:
        - {name: trained, label: 折算培训, type: decimal, required: false}
      rule: {kind: count, figure: trained, per: 1}
    - code: X2
      title: 被采用
      points: 2
      inputs:
        - {name: adopted, label: 被采用, type: integer, required: false}
      rule: {kind: count, figure: adopted, per: 0.5}
"""

RUBRIC = load_rubric(HEAD, "steps.yaml")


def test_deduction_over_a_rate_scores_and_its_suggestion_is_on_the_grid():
    # 5 points − 1.5 % × 1 point per % = 3.5; 5 − 0.25 h × 2 = 4.5; 5 − 2 × 1 = 3 (by hand)
    res = score(RUBRIC, {"A1": {"unreachable": D("1.5")}, "A2": {"hours": D("0.25")}, "A3": {"errors": 2},
                         "X1": {"trained": D("0.75")}})
    assert res.indicators["A1"].score == D("3.5")
    assert res.indicators["A2"].score == D("4.5")
    assert res.indicators["A3"].score == D("3")
    assert res.indicators["X1"].score == D("0.75")  # count over a decimal figure: 0.75 × 1
    assert res.areas["A"] == D("11") and res.bonus == D("0.75") and res.total == D("11.75")
    for code, s in res.indicators.items():
        assert s.bounds.contains(s.suggested), code


def test_step_is_a_cent_where_the_rule_can_give_any_cent():
    assert bounds(RUBRIC, "A1").step == D("0.01")  # rate figure
    assert bounds(RUBRIC, "A2").step == D("0.01")  # decimal figure
    assert bounds(RUBRIC, "X1").step == D("0.01")  # count over a decimal figure
    assert bounds(RUBRIC, "A3").step == D("1")  # whole counts keep the coarse grid
    assert bounds(RUBRIC, "X2").step == D("0.5")


def test_adopted_score_between_cents_accepted_for_decimal_figures():
    res = score(RUBRIC, {"A1": {"unreachable": 0}, "A2": {"hours": 0}, "A3": {"errors": 0}},
                overrides={"A1": D("4.37")})
    assert res.indicators["A1"].score == D("4.37")
    assert aggregate(RUBRIC, {"A1": D("3.5"), "A2": D("4.99"), "A3": D("5"), "X1": D("0.75")}).total == D("14.24")


def test_deduction_over_a_computed_figure_with_places():
    text = HEAD.replace("""          - {name: hours, label: 超时小时, type: decimal}
        rule:
          kind: deduction
          items:
            - {figure: hours, per: 2}""", """          - {name: late, label: 超时篇数, type: integer}
          - {name: all, label: 全部篇数, type: integer}
        computed:
          - {name: share, label: 超时比例, op: ratio, of: [late, all], scale: 10, places: 1}
        rule:
          kind: deduction
          items:
            - {figure: share, per: 1}""")
    rubric = load_rubric(text, "steps.yaml")
    # 1 of 4 late → share = 1/4 × 10 = 2.5 (places 1) → 5 − 2.5 × 1 = 2.5
    res = score(rubric, {"A1": {"unreachable": 0}, "A2": {"late": 1, "all": 4}, "A3": {"errors": 0}})
    assert res.indicators["A2"].score == D("2.5")
    assert bounds(rubric, "A2").step == D("0.01")


def test_gcd_of_an_amount_finer_than_a_cent_is_a_cent():
    assert gcd([D("5"), D("0.125")]) == D("0.01")
    assert gcd([D("5"), D("0.5")]) == D("0.5")


def test_per_below_a_cent_does_not_produce_off_grid_suggestions():
    text = HEAD.replace("- {figure: errors, per: 1}", "- {figure: errors, per: 0.125}")
    rubric = load_rubric(text, "steps.yaml")
    # 5 − 3 × 0.125 = 4.625 → 4.63 (stored to 0.01, half up)
    res = score(rubric, {"A1": {"unreachable": 0}, "A2": {"hours": 0}, "A3": {"errors": 3}})
    assert res.indicators["A3"].score == D("4.63")
    assert res.indicators["A3"].bounds.contains(D("4.63"))


def test_off_grid_suggestion_would_not_blame_the_inputs(monkeypatch):
    """Should a rule ever suggest a score off its own grid, the error names the rubric's rule, not the inputs."""
    from assess.scoring import engine

    monkeypatch.setitem(RUBRIC.memo, ("bounds", "A3"), engine.Bounds(D(0), D(5), D(1)))
    monkeypatch.setattr(engine.RULES["deduction"], "evaluate",
                        lambda rule, ind, values: (D("4.5"), "扣0.5分", "-0.5"))
    with pytest.raises(InputError) as info:
        score(RUBRIC, {"A1": {"unreachable": 0}, "A2": {"hours": 0}, "A3": {"errors": 0}})
    problem = next(p for p in info.value.problems if p.path.endswith("A3"))
    assert problem.file != engine.SOURCE
    assert "评分规则" in problem.message


def test_cli_scores_a_deduction_over_a_rate(tmp_path):
    """``rubric score`` used to stop with "3.5 not within 0..5 step 1", blamed on the inputs file."""
    import json

    from click.testing import CliRunner

    from assess.rubrics.cli import rubric_cli

    rubric_file, inputs_file = tmp_path / "steps.yaml", tmp_path / "inputs.json"
    rubric_file.write_text(HEAD, encoding="utf-8")
    inputs_file.write_text(json.dumps({"A1": {"unreachable": 1.5}, "A2": {"hours": 0}, "A3": {"errors": 0},
                                       "X1": {"trained": 0.75}}), encoding="utf-8")
    res = CliRunner().invoke(rubric_cli, ["score", str(rubric_file), str(inputs_file)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    a1 = next(i for i in out["indicators"] if i["code"] == "A1")
    assert a1["score"] == "3.50"
    assert out["total"] == "14.25"  # 3.5 + 5 + 5 + bonus 0.75
