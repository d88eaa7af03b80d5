"""Demo data: annual reports (2024 and 2025) of the demo office's departments (the first
:data:`DEMO_REPORT_DEPARTMENTS`: a province-sized demo shows the overview without parsing ten thousand
reports), checked.

``demo_imports(office, rng)`` needs only the departments (and the department users ``rsj-editor`` … made by
``create_demo``); it can run anywhere after ``create_demo``'s own steps. Reports are written as plain-text
national-format tables (2021 version) with balanced figures; a few carry planted mistakes so that the office's
overview shows them: a wrong 总计 (two departments), a 上年结转 that does not match last year's 结转下年度
(one), and one department has no 2025 report yet. Stored through :func:`services.store_report` (the same
parsing, checks and audit as an upload; the uploader is the department's editor where the demo has one).
"""
from __future__ import annotations

import random

from sqlalchemy import select

from ..extensions import db
from ..extraction.annual_report import REQUEST_COLUMNS, request_rows
from ..imports import services
from ..models import Department, Office, Role, User

PARTIES = REQUEST_COLUMNS[:-1]
DEMO_REPORT_DEPARTMENTS = 300


def _row(label: str, values: list[int]) -> str:
    return label + "   " + "   ".join(str(v) for v in values)


def _split(total: int, rng: random.Random) -> list[int]:
    """A count spread over the six kinds of applicant, mostly natural persons."""
    parts = [0] * 6
    for _ in range(total):
        parts[0 if rng.random() < 0.75 else rng.choice([1, 2, 5])] += 1
    return parts


def report_text(department: str, year: int, rng: random.Random, *, carried_in: list[int] | None = None,
                wrong_total: bool = False) -> tuple[str, list[int]]:
    """A national-format report (plain text) with balanced tables; returns it and its 结转下年度 row."""
    carried_in = carried_in or [0] * 6
    new = _split(rng.randint(0, 14), rng)
    pending = [a + b for a, b in zip(new, carried_in)]
    carried_out = [0] * 6
    if sum(pending) and rng.random() < 0.3:
        i = max(range(6), key=lambda k: pending[k])
        carried_out[i] = 1
    handled = [p - c for p, c in zip(pending, carried_out)]
    results: dict[str, list[int]] = {key: [0] * 6 for key, _t in request_rows("2021")}
    for col, n in enumerate(handled):
        for _ in range(n):
            key = rng.choices(["open", "partial", "unable_1", "not_processed_2", "withheld_6"],
                              weights=[60, 15, 15, 5, 5])[0]
            results[key][col] += 1
    lines = [f"{department}{year}年政府信息公开工作年度报告", "",
             f"本报告依据《中华人民共和国政府信息公开条例》编制，所列数据统计期限为{year}年1月1日至12月31日。", "",
             "一、总体情况",
             f"{year}年，本单位围绕年度政务公开工作要点，做好主动公开、依申请公开和回应关切等工作。", "",
             "二、主动公开政府信息情况", "第二十条第（一）项",
             "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数", "规章 | — | — | —",
             f"行政规范性文件 | {rng.randint(0, 4)} | {rng.randint(0, 1)} | {rng.randint(3, 12)}",
             "第二十条第（五）项", "信息内容 | 本年处理决定数量", f"行政许可 | {rng.randint(0, 400)}",
             "第二十条第（六）项", "信息内容 | 本年处理决定数量", f"行政处罚 | {rng.randint(0, 60)}",
             f"行政强制 | {rng.randint(0, 5)}", "第二十条第（八）项", "信息内容 | 本年收费金额（单位：万元）",
             f"行政事业性收费 | {rng.randint(0, 300) / 10}", "",
             "三、收到和处理政府信息公开申请情况",
             "自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计"]

    def row(label: str, values: list[int], total: int | None = None) -> str:
        return _row(label, values + [sum(values) if total is None else total])

    lines.append(row("一、本年新收政府信息公开申请数量", new))
    lines.append(row("二、上年结转政府信息公开申请数量", carried_in))
    lines.append("三、本年度办理结果")
    for key, title in request_rows("2021"):
        if key in ("new", "carried_in", "total", "carried_out"):
            continue
        lines.append(row(title, results[key]))
    total = sum(handled)
    lines.append(row("（七）总计", handled, total + 1 if wrong_total else total))
    lines.append(row("四、结转下年度继续办理", carried_out))
    lines += ["", "四、政府信息公开行政复议、行政诉讼情况",
              "行政复议 | 行政诉讼（未经复议直接起诉） | 行政诉讼（复议后起诉）",
              "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计"
              " | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计"]
    recon = rng.choice([0, 0, 0, 1])
    lines.append(" | ".join(str(v) for v in [recon, 0, 0, 0, recon] + [0] * 10))
    lines += ["", "五、存在的主要问题及改进情况",
              "政策解读形式还不够丰富，部分栏目更新不够及时。下一步将建立栏目更新提醒机制。", "",
              "六、其他需要报告的事项", f"本单位{year}年未收取信息处理费。"]
    return "\n".join(lines) + "\n", carried_out


def demo_imports(office: Office, rng: random.Random) -> None:
    departments = list(db.session.scalars(select(Department).where(
        Department.office_id == office.id, Department.active.is_(True)).order_by(Department.id)
        .limit(DEMO_REPORT_DEPARTMENTS)))
    editors = {u.department_id: u for u in db.session.scalars(select(User).where(
        User.office_id == office.id, User.role == Role.DEPT_EDITOR))}
    for i, dept in enumerate(departments):
        previous = None
        for year in (2024, 2025):
            if year == 2025 and i == 5:
                continue  # one department has not uploaded its latest report yet
            carried_in = previous if previous is not None else None
            if year == 2025 and i == 3 and previous is not None:
                carried_in = [previous[0] + 1] + previous[1:]  # does not match last year's 结转下年度
            text, previous = report_text(dept.name, year, rng, carried_in=carried_in,
                                         wrong_total=(year == 2025 and i in (1, 7)))
            services.store_report(dept, uploaded_by=editors.get(dept.id), filename=f"{dept.name}{year}年度报告.txt",
                                  data=text.encode("utf-8"), year=year)
    db.session.flush()
