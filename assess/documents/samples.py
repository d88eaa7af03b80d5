"""Invented sample contexts for tests, benchmarks and template work.

Deterministic (seeded) so tests can compare the PDF text against the context. All names,
figures and wording are made up for this project; the sample seal is an obvious specimen
(ring, star, "样章") so a rendered sample can never pass for a real sealed document.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import random
from decimal import Decimal

from .contexts import (
    AreaSubtotal,
    CircularContext,
    Letterhead,
    NoticeContext,
    ProblemItem,
    RankingRow,
    ScoreRow,
    ScoreSheetContext,
    Section,
)
from .official import format_cn_date, format_doc_number

__all__ = [
    "AREAS",
    "sample_circular",
    "sample_letterhead",
    "sample_notice",
    "sample_scoresheet",
    "sample_seal_png",
]

AREAS: tuple[tuple[str, Decimal], ...] = (
    ("组织领导", Decimal(10)),
    ("制度机制", Decimal(15)),
    ("主动公开", Decimal(40)),
    ("政策解读", Decimal(15)),
    ("回应关切", Decimal(20)),
)

_COUNTY_UNITS = (
    "县发展和改革局", "县教育局", "县科学技术局", "县工业和信息化局", "县公安局", "县民政局",
    "县司法局", "县财政局", "县人力资源和社会保障局", "县自然资源局", "县生态环境分局",
    "县住房和城乡建设局", "县交通运输局", "县水利局", "县农业农村局", "县商务局",
    "县文化广电旅游体育局", "县卫生健康局", "县退役军人事务局", "县应急管理局", "县审计局",
    "县市场监督管理局", "县统计局", "县医疗保障局", "县林业局", "县城市管理局", "县行政审批局",
    "县信访局", "县乡村振兴局", "县社会保险事业中心", "县住房公积金中心", "县不动产登记中心",
    "县融媒体中心", "县供销合作社", "县机关事务服务中心", "县数据资源局", "县气象局", "县税务局",
    "县人防办", "县残联",
)
_SYLLABLES = "青石白水东城西河南山北岭金沙龙泉桃源柳溪马坡高桥新田长乐安平永和杨林花园梅岗"
_TOWN_SUFFIXES = ("镇", "乡", "街道")

_PROBLEMS = (
    ("主动公开", "3.2", "规范性文件公开", "规范性文件2件未在印发之日起7日内公开。", Decimal("1.0"),
     "补充公开并建立印发即报送的衔接机制。"),
    ("主动公开", "3.5", "栏目内容维护", "“意见征集”栏目内容空白，“通知公告”栏目超过6个月未更新。",
     Decimal("1.5"), "清理空白栏目，明确专人按月维护。"),
    ("主动公开", "3.7", "内容准确性", "网站监测发现错敏字2处、错误链接3处。", Decimal("2.5"),
     "逐条更正，建立发布前三审制度。"),
    ("政策解读", "4.1", "解读同步发布", "本年度印发政策文件6件，仅3件同步发布解读材料。", Decimal("2"),
     "补发解读，今后做到文件与解读同步起草、同步审签、同步发布。"),
    ("回应关切", "5.2", "依申请公开答复", "1件政府信息公开申请超过法定期限答复。", Decimal("1"),
     "完善申请登记和期限提醒，答复书写明理由、依据和救济途径。"),
    ("制度机制", "2.4", "年度报告", "年度报告未按期发布，部分表格数据前后不一致。", Decimal("1"),
     "核对数据后重新发布，次年1月31日前按时发布。"),
    ("组织领导", "1.3", "年度工作安排", "未制定年度政务公开工作实施方案。", Decimal("2"),
     "制定方案并明确任务分工、责任人和完成时限。"),
    ("回应关切", "5.4", "互动交流", "“局长信箱”留言3条超过规定时限办理。", Decimal("0.6"),
     "建立留言办理台账，按期答复并公开。"),
)


def _town_names(rng: random.Random, count: int) -> list[str]:
    pool = [a + b for a in _SYLLABLES for b in _SYLLABLES if a != b]
    rng.shuffle(pool)
    names: list[str] = []
    for i in range(count):
        base = pool[i % len(pool)]
        suffix = _TOWN_SUFFIXES[i % len(_TOWN_SUFFIXES)]
        extra = "" if i < len(pool) else str(i // len(pool) + 1)  # keep names unique beyond ~1 000
        names.append(f"{base}{extra}{suffix}")
    return names


@functools.cache
def sample_seal_png(size_px: int = 400) -> bytes:
    """A red specimen seal (ring, star, "样章") as PNG with a transparent background."""
    from PIL import Image, ImageDraw, ImageFont  # Pillow ships with WeasyPrint

    img = Image.new("RGBA", (size_px, size_px), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    red = (220, 0, 0, 215)
    w = size_px // 28
    draw.ellipse((w, w, size_px - w, size_px - w), outline=red, width=w)
    cx = cy = size_px / 2
    outer, inner = size_px * 0.16, size_px * 0.064
    points = []
    for k in range(10):
        r = outer if k % 2 == 0 else inner
        a = -math.pi / 2 + k * math.pi / 5
        points.append((cx + r * math.cos(a), cy - size_px * 0.04 + r * math.sin(a)))
    draw.polygon(points, fill=red)
    try:
        font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                                  size_px // 8, index=2)
        draw.text((cx, cy + size_px * 0.24), "样章", font=font, fill=red, anchor="mm")
    except OSError:  # font missing: the ring and star still mark it as a specimen
        pass
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def sample_letterhead(*, seq: int = 3, with_seal: bool = True) -> Letterhead:
    """Letterhead of the invented 示范县人民政府办公室 (示范县 is not a real county)."""
    return Letterhead(
        authority_mark="示范县人民政府办公室文件",
        doc_number=format_doc_number("示政公办", 2026, seq),
        issuer="示范县人民政府办公室",
        date=dt.date(2026, 11, 21),
        seal_png=sample_seal_png() if with_seal else None,
        cc=("县委办公室", "县人大常委会办公室", "县政协办公室"),
        printed_by="示范县人民政府办公室",
        print_date=dt.date(2026, 11, 21),
        contact="联系人：县政务公开办 李明，电话：0000-6612345",
    )


def _grade(total: Decimal) -> str:
    if total >= 90:
        return "优秀"
    if total >= 80:
        return "良好"
    if total >= 60:
        return "合格"
    return "不合格"


def _ranking_rows(n_departments: int, rng: random.Random) -> list[RankingRow]:
    n_county = min(len(_COUNTY_UNITS), max(1, math.ceil(n_departments * 0.45)))
    groups = (
        ("县直部门", list(_COUNTY_UNITS[:n_county])),
        ("乡镇（街道）", _town_names(rng, n_departments - n_county)),
    )
    rows: list[RankingRow] = []
    for group, names in groups:
        scored = []
        for name in names:
            areas = []
            for _, full in AREAS:
                lost = Decimal(rng.randint(0, int(full * Decimal("0.35")) * 4)) / 4
                areas.append(full - lost)
            bonus = Decimal(rng.choice((0, 0, 0, 0, 1, 2, "0.5", 3)))
            veto = rng.random() < 0.01
            total = min(sum(areas, Decimal(0)) + bonus, Decimal(105))
            scored.append((name, areas, bonus, total, veto))
        scored.sort(key=lambda r: (r[4], -r[3], r[0]))
        rank = 0
        for name, areas, bonus, total, veto in scored:
            if veto:
                rows.append(RankingRow(group, None, name, tuple(areas), bonus, total, "不合格",
                                       "一票否决"))
                continue
            rank += 1
            rows.append(RankingRow(group, rank, name, tuple(areas), bonus, total, _grade(total)))
    return rows


def sample_circular(n_departments: int = 40, *, seed: int = 2026) -> CircularContext:
    """A results circular over ``n_departments`` invented units (ranking table as 附件1)."""
    rng = random.Random(seed)
    rows = _ranking_rows(n_departments, rng)
    by_grade: dict[str, list[str]] = {}
    for row in rows:
        by_grade.setdefault(row.grade, []).append(row.department)
    named = ("优秀", "良好", "不合格") if n_departments <= 100 else ("优秀", "不合格")
    grades = {g: tuple(by_grade[g]) for g in ("优秀", "良好", "合格", "不合格")
              if g in by_grade and g in named}
    counts = "，".join(f"{g}{len(by_grade.get(g, ()))}个"
                      for g in ("优秀", "良好", "合格", "不合格"))
    deadline = format_cn_date(dt.date(2026, 12, 31))
    sections = (
        Section(
            "总体情况",
            (
                f"本次考核对象为全县{n_departments}个单位，其中县直部门和乡镇（街道）分别排名。"
                "考核采取单位自评、网站和新媒体平台检查、第三方监测相结合的方式进行，"
                "重点考核组织领导、制度机制、主动公开、政策解读和回应关切五个方面。"
                f"经综合评定，{counts}。",
                "总体看，各单位对政务公开工作的重视程度进一步提高，“领导、机构、人员”"
                "三到位基本落实，重点领域信息公开更加及时，依申请公开答复更加规范。",
            ),
        ),
        Section(
            "存在的主要问题",
            (
                "一是栏目维护不到位。部分单位“意见征集”“通知公告”等栏目长期空白或超过半年未更新。",
                "二是解读发布不同步。部分政策文件未与解读材料同步发布，解读形式单一，以文字为主。",
                "三是内容审核不严格。网站监测发现错敏字、错误链接等问题，个别单位年度报告数据前后不一致。",
                "四是回应关切不及时。少数政府信息公开申请超期答复，留言办理答复时限未落实。",
            ),
        ),
        Section(
            "下一步工作要求",
            (),
            (
                Section("抓好问题整改", (
                    "各单位要对照本通报和问题清单，逐条制定整改措施，实行销号管理，"
                    f"于{deadline}前整改到位，并将整改情况报告报送县政务公开办。",
                )),
                Section("健全常态机制", (
                    "要落实信息发布审核制度，做到先审后发、专人维护，"
                    "坚决杜绝空白栏目和错敏信息。",
                )),
                Section("强化结果运用", (
                    "考核结果纳入年度综合考核。县政务公开办将于2027年第一季度组织复查，"
                    "复查结果另行通报。",
                )),
            ),
        ),
    )
    return CircularContext(
        letterhead=sample_letterhead(seq=3),
        title="关于2026年度政务公开工作考核结果的通报",
        addressee="各乡镇人民政府、街道办事处，县直各部门：",
        opening=(
            "为深入推进政务公开工作，根据《示范县2026年度政务公开工作考核细则》和"
            "《2026年示范县政务公开工作要点》，县政务公开办组织开展了2026年度政务公开工作考核。"
            "现将有关情况通报如下："
        ),
        sections=sections,
        grades=grades,
        area_titles=tuple(a for a, _ in AREAS),
        ranking_rows=tuple(rows),
        attachments=("2026年度政务公开工作考核得分及排名表",),
        verify_code="7KQM-3HXP-9TRD",
        verify_url="https://assess.example.gov.cn/v/7KQM3HXP9TRD",
    )


def sample_notice(n_items: int = 6) -> NoticeContext:
    """A rectification notice to one invented department with ``n_items`` problems."""
    items = []
    for i in range(n_items):
        area, code, title, problem, points, req = _PROBLEMS[i % len(_PROBLEMS)]
        items.append(ProblemItem(i + 1, area, code, title, problem, points, req))
    deadline = dt.date(2026, 12, 31)
    return NoticeContext(
        letterhead=sample_letterhead(seq=17),
        department="县人力资源和社会保障局",
        title="关于县人力资源和社会保障局政务公开问题整改的通知",
        intro=(
            "县政务公开办在2026年度政务公开工作考核中，通过网站检查和第三方监测，"
            f"发现你单位存在{n_items}项问题（详见附件）。",
            "请你单位高度重视，对照问题清单逐条整改、销号管理，"
            f"于{format_cn_date(deadline)}前整改到位。整改情况将纳入复查，复查结果计入下一年度考核。",
        ),
        items=tuple(items),
        deadline=deadline,
        how_to_answer=(
            "整改完成后，请在考核平台“整改”栏目逐条填写整改措施、完成情况并上传佐证材料，"
            "同时提交经分管领导审核的整改情况报告。"
        ),
        contact="联系人：县政务公开办 李明，电话：0000-6612345，邮箱：gkb@example.gov.cn",
        verify_code="M4QZ-8RTC-2WKH",
        verify_url="https://assess.example.gov.cn/v/M4QZ8RTC2WKH",
    )


def sample_scoresheet(*, seed: int = 7) -> ScoreSheetContext:
    """A score sheet with five areas and four to six indicators each."""
    rng = random.Random(seed)
    indicator_titles = {
        "组织领导": ("领导小组", "机构人员", "会议部署", "年度方案", "业务培训"),
        "制度机制": ("主动公开制度", "保密审查", "公开指南和目录", "年度报告", "问题整改"),
        "主动公开": ("信息发布数量", "规范性文件", "重点领域信息", "财政预决算", "栏目维护",
                     "政务新媒体"),
        "政策解读": ("解读同步率", "解读形式", "新闻发布会", "在线访谈"),
        "回应关切": ("依申请公开答复", "复议诉讼纠错", "留言办理", "舆情回应"),
    }
    rows: list[ScoreRow] = []
    subtotals: list[AreaSubtotal] = []
    for a_idx, (area, full) in enumerate(AREAS, start=1):
        titles = indicator_titles[area]
        base = (full * 2 / len(titles)).to_integral_value() / 2  # whole or half points
        points = [base] * (len(titles) - 1) + [full - base * (len(titles) - 1)]
        s_self = s_final = Decimal(0)
        for i, (title, pts) in enumerate(zip(titles, points, strict=True), start=1):
            self_score = pts
            lost = Decimal(rng.choice((0, 0, 0, 0, 1, 2))) / 2
            final = max(pts - lost, Decimal(0))
            problem = reason = ""
            if lost:
                problem = _PROBLEMS[(a_idx + i) % len(_PROBLEMS)][3]
                reason = f"依据考核细则第{a_idx}.{i}项，扣{lost.normalize():f}分。"
            rows.append(ScoreRow(area, f"{a_idx}.{i}", title, pts, self_score, final, problem,
                                 reason))
            s_self += self_score
            s_final += final
        subtotals.append(AreaSubtotal(area, full, s_self, s_final))
    bonus = Decimal("1.5")
    total = sum((s.final_score for s in subtotals), Decimal(0)) + bonus
    return ScoreSheetContext(
        office="示范县人民政府办公室",
        department="县人力资源和社会保障局",
        group="县直部门",
        campaign_name="示范县2026年度政务公开工作考核",
        rows=tuple(rows),
        area_subtotals=tuple(subtotals),
        bonus=bonus,
        total=total,
        rank=7,
        group_size=40,
        grade=_grade(total),
        reviewed_by="王芳、赵强",
        date=dt.date(2026, 11, 21),
        verify_code="Q9XF-2HMB-7RKC",
        verify_url="https://assess.example.gov.cn/v/Q9XF2HMB7RKC",
        notes=("加分项：信息被市政务公开办采用2条，加1.5分。",),
    )
