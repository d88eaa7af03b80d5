"""A deterministic, lived-in demo: an office with departments in two groups and a user for each role.

``flask --app wsgi demo [--departments N] [--seed S]``. The same seed gives the same data; N can be in
the thousands for benchmarks (only a handful of departments get log-ins, so hashing stays cheap).

All demo code lives in this package, none in the capabilities: :func:`create_demo` (here) builds the
offices and people, then runs :data:`DEMO_STEPS`, one module per step of the year, each calling the
capability's public services like a user would (bulk inserts where thousands of departments need it):
campaigns → rubrics → review → ranking → rectification → notifications → imports → api → documents →
notification deliveries.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import func, select

from ..admin import services
from ..auth.passwords import hash_password
from ..extensions import db
from ..models import Department, Office, Role, User
from .api import demo_api
from .campaigns import demo_campaign
from .documents import demo_documents
from .imports import demo_imports
from .notifications import demo_notifications
from .notify import demo_deliveries
from .ranking import demo_ranking
from .rectification import demo_rectification
from .review import demo_reviews
from .rubrics import demo_rubrics

DEMO_PASSWORD = "Demo-2026!"

COUNTY_DEPARTMENTS = [
    "县人力资源和社会保障局", "县社会保险事业管理局", "县城市管理和环境卫生局", "县教育局", "县卫生健康委员会",
    "县财政局", "县民政局", "县自然资源局", "县住房和城乡建设局", "县交通运输局", "县农业农村局", "县水利局",
    "县市场监督管理局", "县生态环境分局", "县应急管理局", "县医疗保障局", "县统计局", "县审计局",
    "县文化广电旅游局", "县退役军人事务局", "县司法局", "县商务局", "县林业局", "县发展和改革局",
    "县科学技术局", "县政务服务中心", "县信访局", "县乡村振兴局",
]
TOWN_FIRST = "东西南北中青白金石清安平永兴长和新龙凤桃柳枫松梅竹兰华丰泰康宁阳云河山湖"
TOWN_SECOND = "山河湖塘桥坪岭坝溪川口营岗庄湾洲源田林岩冲铺集"
TOWN_SUFFIX = ["镇", "乡", "街道"]


@dataclass
class DemoResult:
    office: Office
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (username, role label, scope)


def _town_names(n: int, rng: random.Random) -> list[str]:
    names, seen = [], set()
    combos = [a + b for a in TOWN_FIRST for b in TOWN_SECOND]
    rng.shuffle(combos)
    i = 0
    while len(names) < n:
        base = combos[i % len(combos)]
        suffix = TOWN_SUFFIX[0] if i % 5 else TOWN_SUFFIX[(i // 5) % 3]
        name = base + suffix if i < len(combos) else f"{base}{i // len(combos) + 1}{suffix}"
        if name not in seen:
            seen.add(name)
            names.append(name)
        i += 1
    return names


def department_names(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """(name, group) pairs: about 60 % county departments, the rest townships."""
    n_county = max(1, round(n * 0.6))
    county = list(COUNTY_DEPARTMENTS)
    while len(county) < n_county:
        county.append(f"县第{len(county) + 1}直属单位")
    pairs = [(name, "县直部门") for name in county[:n_county]]
    pairs += [(name, "乡镇（街道）") for name in _town_names(n - n_county, rng)]
    return pairs


def _user(username: str, name: str, role: Role, office: Office | None, dept: Department | None, pw_hash: str) -> User:
    user = services.create_user(actor=None, username=username, display_name=name, role=role, office=office,
                                department=dept)
    user.password_hash = pw_hash
    return user


def create_demo(departments: int = 24, seed: int = 2026, *, lived_in: bool = True,
                on_step: Callable[[str, float], None] | None = None) -> DemoResult:
    """Build the demo inside the current transaction (the caller commits).

    ``lived_in=False`` stops after the office, its departments and people, for callers (tests, benchmarks)
    that add their own campaign. ``on_step(name, seconds)`` hears how long each step took (the CLI prints
    it: a province-sized demo takes minutes, and one should see where they go).
    """
    clock = time.perf_counter()
    rng = random.Random(seed)
    pw_hash = hash_password(DEMO_PASSWORD)
    if not db.session.scalar(select(func.count()).select_from(User).where(User.username == "admin")):
        _user("admin", "平台管理员", Role.PLATFORM_ADMIN, None, None, pw_hash)
    office = services.create_office(
        "demo-county", "示范县政务公开办", actor=None, region="示范县",
        authority_mark="示范县人民政府办公室文件", doc_prefix="示政公办", issuer_name="示范县人民政府办公室",
        contact="县政务公开办 张明，联系电话：0000-1234567", printed_by="示范县人民政府办公室",
        cc_block="县委办公室，县人大常委会办公室，县政协办公室。",
    )
    groups = {
        "县直部门": services.create_group(office, "县直部门", actor=None, sort_order=1),
        "乡镇（街道）": services.create_group(office, "乡镇（街道）", actor=None, sort_order=2),
    }
    depts: list[Department] = []
    for name, group in department_names(departments, rng):
        phone = f"0000-{rng.randint(1000000, 9999999)}"
        contact = rng.choice("王李张刘陈杨黄赵吴周") + rng.choice(["敏", "伟", "芳", "军", "静", "磊", "洋", "艳"])
        depts.append(services.create_department(office, name, groups[group], actor=None, contact_name=contact,
                                                contact_phone=phone))
    result = DemoResult(office=office)
    result.logins.append(("admin", "平台管理员", "全平台"))
    for username, name, role in [("office", "张明", Role.OFFICE_ADMIN), ("reviewer1", "李华", Role.REVIEWER),
                                 ("reviewer2", "赵雪", Role.REVIEWER), ("viewer", "周安", Role.VIEWER)]:
        _user(username, name, role, office, None, pw_hash)
        result.logins.append((username, name, office.name))
    logins = [("rsj", 0), ("sbj", 1), ("hwj", 2)]
    town = next((d for d in depts if d.group_id == groups["乡镇（街道）"].id), None)
    for prefix, idx in logins + ([("town", depts.index(town))] if town else []):
        if idx >= len(depts):
            continue
        dept = depts[idx]
        leader = rng.choice("孙钱郑冯陈褚卫蒋沈韩") + rng.choice(["建国", "国强", "志刚", "丽华", "海燕", "文斌"])
        clerk = rng.choice("王李张刘杨黄赵吴周徐") + rng.choice(["晓燕", "小敏", "佳怡", "子涵", "浩然", "雨萱"])
        _user(f"{prefix}-admin", leader, Role.DEPT_ADMIN, office, dept, pw_hash)
        _user(f"{prefix}-editor", clerk, Role.DEPT_EDITOR, office, dept, pw_hash)
        result.logins.append((f"{prefix}-admin", "部门管理员（分管领导）", dept.name))
        result.logins.append((f"{prefix}-editor", "部门填报员", dept.name))

    # A second office shows that offices never see each other.
    other = services.create_office("demo-city", "示范市政务公开办", actor=None, region="示范市",
                                   authority_mark="示范市人民政府办公室文件", doc_prefix="示市政公办")
    g = services.create_group(other, "市直部门", actor=None)
    services.create_department(other, "市人力资源和社会保障局", g, actor=None)
    _user("city-office", "钱程", Role.OFFICE_ADMIN, other, None, pw_hash)
    result.logins.append(("city-office", "公开办管理员", other.name))
    db.session.flush()
    if on_step:
        on_step("offices", time.perf_counter() - clock)
    for step in (DEMO_STEPS if lived_in else ()):
        clock = time.perf_counter()
        step(office, rng)
        if on_step:
            on_step(getattr(step, "__name__", "step").lstrip("_").removeprefix("demo_"), time.perf_counter() - clock)
    return result


def _published_reviews(office: Office, rng: random.Random) -> None:
    demo_reviews(office, rng, publish=True)


# The lived-in year, in order: campaign → rubric drafts → reviews and re-check → ranking → rectification →
# notifications (dated to their events, some read) → imported reports → API tokens → issued documents → the
# notifications' e-mail deliveries.
DEMO_STEPS: list[Callable[[Office, random.Random], None]] = [
    demo_campaign, demo_rubrics, _published_reviews, demo_ranking, demo_rectification, demo_notifications, demo_imports,
    demo_api, demo_documents, demo_deliveries]
