"""Figures that jump: the ratio to last year and the robust z-score in the group (pure)."""
from __future__ import annotations

from assess.reviewaids.figures import number, ratio, robust_z


def test_ratio_is_symmetric_and_counts_zero_as_one():
    assert ratio(30, 3) == 10 and ratio(3, 30) == 10
    assert ratio(0, 0) == 1 and ratio(1, 0) == 1 and ratio(20, 0) == 20
    assert ratio(-1, 3) is None


def test_a_figure_ten_times_its_group_stands_out_normal_ones_do_not():
    group = [12, 14, 15, 13, 16, 11, 140]
    assert robust_z(140, group) > 3.5
    assert all(abs(robust_z(v, group)) < 3.5 for v in group[:-1])


def test_robust_z_with_mostly_equal_values_and_small_groups():
    same = [3, 3, 3, 3, 3, 30]
    assert robust_z(30, same) > 3.5 and robust_z(3, same) == 0
    assert robust_z(3, [3, 3, 3, 3, 3]) is None  # no spread at all
    assert robust_z(30, [3, 4, 30]) is None  # too few to make a distribution


def test_number_reads_figures_not_booleans_or_text():
    assert number("12.5") == 12.5 and number(3) == 3
    assert number(True) is None and number("已落实") is None and number(None) is None
