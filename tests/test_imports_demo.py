"""demo_imports: every department's 2024/2025 reports stored and checked, planted mistakes found."""
from __future__ import annotations

import random

from assess.imports import services
from assess.demo.imports import demo_imports, report_text
from assess.extraction.annual_report import check, parse_report


def test_generated_reports_balance():
    rng = random.Random(1)
    for _ in range(30):
        text, carried = report_text("县测试局", 2025, rng)
        report = parse_report(text.encode("utf-8"), "r.txt")
        assert check(report) == [] and report.year == 2025


def test_planted_total_error_is_found():
    text, _c = report_text("县测试局", 2025, random.Random(2), wrong_total=True)
    failures = check(parse_report(text.encode("utf-8"), "r.txt"))
    assert any(f.row == "（七）总计" for f in failures)


def test_demo_imports(db, tenant_a):
    demo_imports(tenant_a.office, random.Random(2026))
    years, rows = services.overview(tenant_a.office.id)
    assert years == [2025, 2024]
    assert all(r.cells for r in rows)
    assert all(r.cells[2024].failure_count == 0 for r in rows)
