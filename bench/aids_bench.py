"""Review aids at a province's scale: every check of a 5,000-department campaign, and one submission's.

    python -m bench.aids_bench [--departments 5000] [--texts 20] [--files 20] [--sqlite-file F]

Builds, with bulk inserts into a fresh database (a temporary SQLite file; PostgreSQL when BENCH_DATABASE_URL
is set — its tables are dropped and re-created), last year's and this year's campaign on the shipped county
rubric: per department and year ``--texts`` free-text answers (情况说明, two or three sentences drawn from a
phrase pool, the campaign's common opening, and a few departments that copied a passage of another's or
of their own last year's, with small edits) and ``--files`` evidence files whose prints (perceptual hashes —
one for a picture, two or three pages for a PDF — content hashes, text for a third of them) are stored as
the first run leaves them; a few are the same file or a near-duplicate (a few bits off) of another
department's, another indicator's or last year's. Links are not asked (no network in a benchmark).

Times (wall and this process's CPU): ``whole run`` — ``run_checks(campaign)``, every kind, flags written; then
``again`` — the same run once more (flags found again, prints read, nothing rendered); and ``one submission``
— ``run_checks(campaign, submission=…)``, what runs in the background when a department submits.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

PHRASES = ["依托门户网站开设政策解读专栏", "全年发布图解材料", "通过微信公众号同步推送", "群众留言均在三个工作日内答复",
           "建立健全依申请公开登记台账", "受理政府信息公开申请", "均按期依法答复", "开展政府开放日活动",
           "邀请人大代表和群众代表参加", "编制主动公开基本目录", "梳理公开事项并动态调整", "组织干部参加条例专题培训",
           "完善政策解读机制", "主要负责同志带头解读重要政策", "在便民服务中心设置政务公开专区", "配备查阅终端",
           "安排专人值守", "每季度更新办事指南", "规范政务新媒体管理", "开展网站常态化监测", "整改错链断链问题",
           "及时回应社会关切", "召开新闻发布会", "发布权威信息", "做好重大决策预公开", "公开征求意见并反馈采纳情况",
           "推进基层政务公开标准化规范化", "完善公开事项标准目录", "加强公开保密审查", "落实三审三校制度"]
NUMBERS = "一二三四五六七八九十"
OPENING = "根据县政府办公室关于做好本年度政务公开工作的通知要求，结合本单位实际。"


COMMON_CHARS = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而"
                "方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应"
                "开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此"
                "变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头"
                "基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处府研")


def sentence(rng: random.Random) -> str:
    """A phrase of the field and a clause of its own (departments word their work differently)."""
    own = "".join(rng.choice(COMMON_CHARS) for _ in range(rng.randint(12, 20)))
    return f"{rng.choice(PHRASES)}，{own}{rng.choice(NUMBERS)}{rng.choice(NUMBERS)}次。"


def text(rng: random.Random) -> str:
    body = "".join(sentence(rng) for _ in range(rng.randint(2, 3)))
    return (OPENING + body) if rng.random() < 0.5 else body


def edited(s: str, rng: random.Random) -> str:
    """A copy with a character or two changed (本局 for 我局, another number)."""
    chars = list(s)
    for _ in range(2):
        i = rng.randrange(len(chars))
        if chars[i] in NUMBERS:
            chars[i] = rng.choice(NUMBERS)
    return "".join(chars)


def near(h: int, rng: random.Random, bits: int = 5) -> int:
    for b in rng.sample(range(128), bits):
        h ^= 1 << b
    return h


def build(n_depts: int, n_texts: int, n_files: int, seed: int = 1):
    from sqlalchemy import insert, select

    from assess.extensions import db
    from assess.models import (Answer, Campaign, CampaignState, Department, Evidence, EvidenceKind, EvidencePrint,
                               Group, Office, Submission, SubmissionState)
    from assess.reviewaids import perceptual
    from assess.rubrics.store import engine_rubric, shipped_source, store_rubric

    rng = random.Random(seed)
    office = Office(code="bench", name="基准测试公开办")
    db.session.add(office)
    db.session.flush()
    group = Group(office_id=office.id, name="县直部门", sort_order=1)
    db.session.add(group)
    db.session.flush()
    rubric_row = store_rubric(office.id, shipped_source("county-annual-2026.yaml"), filename="county-annual-2026.yaml")
    codes = [i.code for i in engine_rubric(rubric_row).all_indicators()]
    campaigns = []
    for year, state in ((2025, CampaignState.CLOSED), (2026, CampaignState.REVIEW)):
        c = Campaign(office_id=office.id, name=f"{year}年度政务公开考核", year=year, rubric_id=rubric_row.id, state=state)
        db.session.add(c)
        campaigns.append(c)
    db.session.flush()
    now = campaigns[0].created_at
    db.session.execute(insert(Department), [{"office_id": office.id, "group_id": group.id, "name": f"单位{i:05d}",
                                             "active": True, "created_at": now, "updated_at": now}
                                            for i in range(n_depts)])
    depts = db.session.execute(select(Department.id, Department.name).where(Department.office_id == office.id)
                               .order_by(Department.id)).all()
    for c in campaigns:
        db.session.execute(insert(Submission), [
            {"office_id": office.id, "department_id": d, "campaign_id": c.id, "department_name": name,
             "group_id": group.id, "group_name": group.name, "state": SubmissionState.SUBMITTED, "late_days": 0,
             "created_at": now, "updated_at": now, "last_change_at": now, "version_id": 1} for d, name in depts])
    subs = {(c, d): s for s, c, d in db.session.execute(select(Submission.id, Submission.campaign_id,
                                                               Submission.department_id))}
    last_text: dict[tuple[int, str], str] = {}
    this_text: dict[tuple[int, str], str] = {}
    answers, n_answers = [], 0
    for c in campaigns:
        for d, _name in depts:
            for n, code in enumerate(codes):
                explanation = ""
                if n < n_texts:
                    explanation = text(rng)
                    if c is campaigns[1] and rng.random() < 0.01:  # copied from last year, lightly edited
                        explanation = edited(last_text.get((d, code), explanation), rng)
                    if c is campaigns[1] and rng.random() < 0.005 and this_text:  # from another department
                        explanation = edited(rng.choice(list(this_text.values())), rng)
                    (last_text if c is campaigns[0] else this_text)[(d, code)] = explanation
                answers.append({"office_id": office.id, "department_id": d, "submission_id": subs[(c.id, d)],
                                "campaign_id": c.id, "indicator_code": code, "inputs": "{}",
                                "self_score_reason": "", "explanation": explanation, "carried_over": False,
                                "updated_at": now, "version_id": 1})
            if len(answers) >= 20000:
                db.session.execute(insert(Answer), answers)
                n_answers += len(answers)
                answers = []
    if answers:
        db.session.execute(insert(Answer), answers)
        n_answers += len(answers)
    evidence, prints_of = [], []
    pool: list[tuple[str, str]] = []  # (sha, hashes) of files handed in already
    for c in campaigns:
        for d, _name in depts:
            for k in range(n_files):
                code = codes[k % len(codes)]
                pdf = rng.random() < 0.4
                r = rng.random()
                if pool and r < 0.01:  # the very same file again (another department, indicator or year)
                    sha, hashes = rng.choice(pool)
                elif pool and r < 0.02:  # a near-duplicate: re-saved, re-encoded, cropped a little
                    _sha, hashes = rng.choice(pool)
                    sha = hashlib.sha256(os.urandom(8)).hexdigest()
                    hashes = perceptual.to_text(near(h, rng) for h in perceptual.from_text(hashes))
                else:
                    sha = hashlib.sha256(os.urandom(8)).hexdigest()
                    hashes = perceptual.to_text(rng.getrandbits(128) for _ in range(rng.randint(2, 3) if pdf else 1))
                pool.append((sha, hashes))
                ctype = "application/pdf" if pdf else "image/png"
                evidence.append({"office_id": office.id, "department_id": d, "campaign_id": c.id,
                                 "owner_type": "submission", "owner_id": subs[(c.id, d)], "indicator_code": code,
                                 "kind": EvidenceKind.FILE, "title": f"材料{k}", "storage_key": f"bench/{d}/{k}",
                                 "filename": f"材料{k}.{'pdf' if pdf else 'png'}", "content_type": ctype,
                                 "size": 1000, "sha256": sha, "created_at": now})
                body = ""
                if pdf and rng.random() < 0.8:
                    body = text(rng) + f"\n{c.year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
                prints_of.append((sha, hashes, body))
    for start in range(0, len(evidence), 20000):
        db.session.execute(insert(Evidence), evidence[start:start + 20000])
    ids = db.session.scalars(select(Evidence.id).where(Evidence.office_id == office.id).order_by(Evidence.id)).all()
    rows = [{"office_id": office.id, "department_id": e["department_id"], "evidence_id": i, "sha256": sha,
             "hashes": hashes, "text": body, "created_at": now, "updated_at": now}
            for i, e, (sha, hashes, body) in zip(ids, evidence, prints_of)]
    for start in range(0, len(rows), 20000):
        db.session.execute(insert(EvidencePrint), rows[start:start + 20000])
    db.session.commit()
    return campaigns[1].id, n_answers, len(evidence)


def timed(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--departments", type=int, default=5000)
    ap.add_argument("--texts", type=int, default=20, help="free-text answers per department and year")
    ap.add_argument("--files", type=int, default=20, help="evidence files per department and year")
    ap.add_argument("--sqlite-file", help="SQLite file to use (default: a temporary file)")
    args = ap.parse_args(argv)

    tmp = tempfile.TemporaryDirectory()
    url = os.environ.get("BENCH_DATABASE_URL")
    if args.sqlite_file:
        url = f"sqlite:///{Path(args.sqlite_file).resolve()}"
    elif not url:
        url = f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
    from sqlalchemy import func, select

    from assess import create_app
    from assess.extensions import db
    from assess.models import Campaign, ReviewFlag, Submission

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "STORAGE_DIR": tmp.name, "AIDS_CHECK_LINKS": False,
                      "AIDS_JOBS": "inline"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        (campaign_id, n_answers, n_files), wall, _cpu = timed(
            lambda: build(args.departments, args.texts, args.files))
        print(f"data: {args.departments} departments × 2 years, {n_answers} answers "
              f"({args.texts} texts each a year), {n_files} evidence files with prints — built in {wall:.0f} s")
        from assess.reviewaids import services

        campaign = db.session.get(Campaign, campaign_id)
        counts, wall, cpu = timed(lambda: services.run_checks(campaign))
        db.session.commit()
        print(f"whole run: {wall:7.1f} s wall {cpu:7.1f} s cpu  flags {json.dumps(counts)}")
        counts, wall, cpu = timed(lambda: services.run_checks(campaign))
        db.session.commit()
        print(f"again:     {wall:7.1f} s wall {cpu:7.1f} s cpu  flags {json.dumps(counts)}")
        sub = db.session.scalars(select(Submission).where(Submission.campaign_id == campaign_id)
                                 .order_by(Submission.id.desc()).limit(1)).one()
        counts, wall, cpu = timed(lambda: services.run_checks(campaign, submission=sub))
        db.session.commit()
        print(f"one submission: {wall:5.1f} s wall {cpu:7.1f} s cpu  flags {json.dumps(counts)}")
        total = db.session.scalar(select(func.count(ReviewFlag.id)).where(ReviewFlag.campaign_id == campaign_id))
        print(f"flags stored: {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
