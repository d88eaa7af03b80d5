"""Ranking at a province's scale: recompute ranking + grades and render the ranking page's first screen.

    python -m bench.ranking_bench [--departments 5000] [--indicators 100] [--repeat 3] [--keep] [--sqlite-file F]

Builds the data set with bulk inserts into a fresh database — a temporary SQLite file, or PostgreSQL when
BENCH_DATABASE_URL (or TEST_DATABASE_URL) is set; its tables are dropped and re-created, so point it at a
throw-away database — then times, best of ``--repeat``:

- ``sql``: the bare SQL aggregation over the same rows (SUM of final scores per department);
- ``sums query``: the aggregate query over the scores (per department and area, in cents, with counts and
  vetoes) — what rewrites the stored department sums, and what a ranking falls back to without them;
- ``refresh all sums``: that query plus rewriting every department's stored sums row (after a bulk import);
- ``stored sums read``: reading the stored sums rows (one per department) — what a ranking reads;
- ``compute``: ``compute_ranking(explain=False)`` — stored sums + engine aggregate per department +
  rank_group per group, nothing remembered between rankings, what pages use (``compute (explained)``: the
  same with every department's explanation sentences, what publication and exports use);
- ``recompute, 1 changed``: one final score changed through the ORM (its department's sums rewritten in
  the flush), then ``compute`` again (totals of departments whose sums did not move are remembered:
  ``aggregate`` is pure), and the score put back;
- ``page (live, cold)``: GET /ranking/<id> as the office administrator before publication, computing live;
- ``page (live, again)``: the same page again with unchanged scores (the live ranking is cached per
  office, campaign and a fingerprint of the scores; ``fingerprint`` is that check alone);
- ``publish``: ``publish_ranking`` (compute + freeze as JSON + audit entry);
- ``page (published, cold)``: GET /ranking/<id> after publication, frozen rows read and parsed (first view
  in this process); ``page (published)``: the same again (parsed rows kept per publication).

CPU seconds are this process's (``time.process_time``): on SQLite that is all the work; on PostgreSQL the
server's share is not in it, and the wall time shows it (both depend on the machine's load — printed).

and prints each figure with its ratio to ``sql``.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

AREAS = [("A", "组织领导", 10), ("B", "制度机制", 15), ("C", "主动公开", 40), ("D", "政策解读", 15), ("E", "回应关切", 20)]


def synthetic_rubric(n_indicators: int) -> str:
    """A rubric of ``n_indicators`` judgement indicators spread over five areas (100 points in all)."""
    lines = ["format: assess-rubric/1", "code: bench-province", "name: 省级政务公开考核（基准测试）", "office: 基准测试",
             "year: 2026", "version: 1", "total: 100", "grades:", "  - {label: 优秀, min: 90, max_share: 20}",
             "  - {label: 良好, min: 80}", "  - {label: 合格, min: 60}", "  - {label: 不合格, min: 0}",
             "veto_grade: 不合格", "share_rounding: floor", "tie_break: [C, E]",
             "late_submission: {fixed: 2, per_day: 0, max: 2}", "areas:"]
    per_area = [n_indicators // len(AREAS) + (1 if i < n_indicators % len(AREAS) else 0) for i in range(len(AREAS))]
    for (code, title, points), n in zip(AREAS, per_area):
        lines += [f"  - code: {code}", f"    title: {title}", "    indicators:"]
        # points in cents split evenly; each indicator's points on a 0.5 grid
        halves = points * 2
        shares = [halves // n + (1 if i < halves % n else 0) for i in range(n)]
        for i, h in enumerate(shares):
            pts = Decimal(h) / 2
            lines += [f"      - code: {code}{i + 1}", f"        title: {title}{i + 1}", f"        points: {pts}",
                      f"        rule: {{kind: judgement, min: 0, max: {pts}, step: 0.5}}"]
    lines += ["bonus:", "  cap: 5", "  min_base: 0", "  indicators:",
              "    - {code: X1, title: 信息被采用, points: 3, rule: {kind: judgement, min: 0, max: 3, step: 0.5}}",
              "veto:", "  indicators:",
              "    - code: V1", "      title: 泄露国家秘密", "      points: 0",
              "      inputs:", "        - {name: leaked, label: 发生泄密, type: boolean, required: false}",
              "      rule: {kind: veto, figure: leaked}"]
    return "\n".join(lines) + "\n"


def best(fn, repeat: int) -> tuple[float, float]:
    """Best wall-clock and best CPU time of this process (SQLite runs in-process; PostgreSQL's server does not)."""
    walls, cpus = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus)


def build(app, n_depts: int, n_ind: int, seed: int = 1):
    from sqlalchemy import insert

    from assess.auth.passwords import hash_password
    from assess.extensions import db
    from assess.models import (Campaign, CampaignState, Department, Group, IndicatorResult, Office, Role,
                               Submission, SubmissionState, User)
    from assess.rubrics.store import engine_rubric, store_rubric

    rng = random.Random(seed)
    office = Office(code="bench", name="基准测试公开办")
    db.session.add(office)
    db.session.flush()
    groups = [Group(office_id=office.id, name="省直部门", sort_order=1), Group(office_id=office.id, name="市县", sort_order=2)]
    db.session.add_all(groups)
    db.session.flush()
    db.session.add(User(office_id=office.id, username="bench-admin", display_name="基准管理员", role=Role.OFFICE_ADMIN,
                        password_hash=hash_password("Bench-2026!")))
    rubric_row = store_rubric(office.id, synthetic_rubric(n_ind), filename="bench.yaml")
    rubric = engine_rubric(rubric_row)
    campaign = Campaign(office_id=office.id, name="2026年度基准考核", year=2026, rubric_id=rubric_row.id,
                        state=CampaignState.RECHECK)
    db.session.add(campaign)
    db.session.flush()
    now = campaign.created_at
    dept_rows = [{"office_id": office.id, "group_id": groups[i % 2].id, "name": f"单位{i:05d}", "active": True,
                  "created_at": now, "updated_at": now} for i in range(n_depts)]
    db.session.execute(insert(Department), dept_rows)
    from sqlalchemy import select

    depts = db.session.execute(select(Department.id, Department.name, Department.group_id)
                               .where(Department.office_id == office.id).order_by(Department.id)).all()
    gname = {g.id: g.name for g in groups}
    db.session.execute(insert(Submission), [
        {"office_id": office.id, "department_id": d, "campaign_id": campaign.id, "department_name": name,
         "group_id": g, "group_name": gname[g],
         "state": SubmissionState.SUBMITTED if rng.random() > 0.01 else SubmissionState.IN_PROGRESS,
         "late_days": 1 if rng.random() < 0.03 else 0, "created_at": now, "updated_at": now, "last_change_at": now,
         "version_id": 1} for d, name, g in depts])
    inds = [i for a in rubric.areas for i in a.indicators] + list(rubric.bonus.indicators)
    batch: list[dict] = []
    for d, _name, _g in depts:
        skill = rng.random()
        for ind in inds:
            steps = int(ind.points * 2)
            bonus = ind.code.startswith("X")
            k = rng.randint(0, steps) if bonus else steps - min(steps, int(rng.expovariate(1.5 + 3 * skill)))
            final = Decimal(k) / 2
            batch.append({"office_id": office.id, "department_id": d, "campaign_id": campaign.id,
                          "indicator_code": ind.code, "self_score": ind.points if not bonus else final,
                          "final_score": final, "veto": False, "problem": "", "updated_at": now, "version_id": 1})
        if rng.random() < 0.002:
            batch.append({"office_id": office.id, "department_id": d, "campaign_id": campaign.id,
                          "indicator_code": "V1", "self_score": None, "final_score": None, "veto": True,
                          "problem": "", "updated_at": now, "version_id": 1})
        if len(batch) >= 50_000:
            db.session.execute(insert(IndicatorResult), batch)
            batch = []
    if batch:
        db.session.execute(insert(IndicatorResult), batch)
    from assess.ranking.sums import refresh_campaign

    refresh_campaign(campaign)  # bulk rows bypass the ORM hook that keeps the department sums
    db.session.commit()
    return campaign.id, office.id


def _engine(app):
    from assess.extensions import db

    with app.app_context():
        return db.engine


def cold(fn, *args, **kw):
    """``fn`` with nothing remembered from earlier rankings (totals: ``services._totals_memo``; parsed stored
    sums: ``sums._parsed_cache``) — as in a freshly started worker."""
    from assess.ranking import services, sums

    services._MEMO.clear()
    sums._PARSED.clear()
    return fn(*args, **kw)


def change_one(campaign) -> None:
    """One reviewer decision through the ORM (a final score moves by half a point: the flush rewrites that
    department's stored sums), then the ranking recomputed; then the score is put back the same way."""
    from sqlalchemy import select

    from assess.extensions import db
    from assess.models import IndicatorResult
    from assess.ranking import services

    ir = IndicatorResult
    row = db.session.scalars(select(ir).where(
        ir.office_id == campaign.office_id, ir.campaign_id == campaign.id, ir.indicator_code == "C1",
        ir.final_score > 0).limit(1)).first()
    row.final_score -= Decimal("0.5")
    db.session.flush()
    services.compute_ranking(campaign, explain=False)
    row.final_score += Decimal("0.5")
    db.session.flush()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--departments", type=int, default=5000)
    ap.add_argument("--indicators", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", action="store_true",
                    help="keep the data set after the run and reuse it on the next one (same sizes)")
    ap.add_argument("--sqlite-file", help="SQLite file to use (default: a temporary file)")
    ap.add_argument("--parallel", action="store_true",
                    help="PostgreSQL: allow parallel query workers (default: one core, as the requirement states)")
    args = ap.parse_args(argv)

    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    tmp = tempfile.TemporaryDirectory()
    if args.sqlite_file:
        url = f"sqlite:///{Path(args.sqlite_file).resolve()}"
    elif not url:
        url = f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
    from sqlalchemy import func, select

    from assess import create_app
    from assess.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "STORAGE_DIR": tmp.name, "TESTING": True})
    dialect = url.split(":", 1)[0]
    if dialect.startswith("postgresql") and not args.parallel:
        from sqlalchemy import event

        @event.listens_for(_engine(app), "connect")
        def _one_core(dbapi_conn, _record):  # the requirement is one core: no parallel query workers
            with dbapi_conn.cursor() as cur:
                cur.execute("SET max_parallel_workers_per_gather = 0")
            dbapi_conn.commit()  # leave the new connection idle (AUTOCOMMIT can only be set outside a transaction)
        dialect += " (one core: max_parallel_workers_per_gather = 0)"
    with app.app_context():
        from assess.models import Campaign, IndicatorResult, Office, RankingPublication
        from assess.ranking import services, sums

        t0 = time.perf_counter()
        from sqlalchemy import inspect

        office_id = None
        if args.keep and inspect(db.engine).has_table("ranking_publications"):
            office_id = db.session.scalar(select(Office.id).where(Office.code == "bench"))
        if office_id is not None:
            campaign_id = db.session.scalar(select(Campaign.id).where(Campaign.office_id == office_id))
            db.session.execute(RankingPublication.__table__.delete())
            db.session.commit()
        else:
            db.drop_all()
            db.create_all()
            campaign_id, office_id = build(app, args.departments, args.indicators)
        if dialect.startswith("postgresql"):  # what autovacuum does to a settled table: statistics, visibility map
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        built = time.perf_counter() - t0

        campaign = db.session.get(Campaign, campaign_id)
        n_rows = db.session.scalar(select(func.count()).select_from(IndicatorResult))
        print(f"database: {dialect}; {args.departments} departments × {args.indicators} indicators "
              f"({n_rows} final scores) built in {built:.1f} s")
        bare = (select(IndicatorResult.department_id, func.sum(IndicatorResult.final_score))
                .where(IndicatorResult.office_id == office_id, IndicatorResult.campaign_id == campaign_id)
                .group_by(IndicatorResult.department_id))
        rubric = services.engine_rubric(campaign.rubric)
        figures = {
            "sql": best(lambda: db.session.execute(bare).all(), args.repeat),
            "sums query": best(lambda: sums.compute(campaign, rubric), args.repeat),
            "refresh all sums": best(lambda: sums.refresh_campaign(campaign), args.repeat),
            "stored sums read": best(lambda: cold(sums.load, campaign, rubric, ()), args.repeat),
            "compute": best(lambda: cold(services.compute_ranking, campaign, explain=False), args.repeat),
            "compute (explained)": best(lambda: cold(services.compute_ranking, campaign), args.repeat),
        }
        services.compute_ranking(campaign, explain=False)
        figures["recompute, 1 changed"] = best(lambda: change_one(campaign), args.repeat)
        client = app.test_client()
        resp = client.post("/auth/login", data={"username": "bench-admin", "password": "Bench-2026!"})
        assert resp.status_code == 302, "bench log-in failed"

        def page():
            r = client.get(f"/ranking/{campaign_id}")
            assert r.status_code == 200 and "ranking-table" in r.get_data(as_text=True)

        def cold_page():
            services._LIVE.clear()
            services._MEMO.clear()
            sums._PARSED.clear()
            page()

        figures["page (live, cold)"] = best(cold_page, args.repeat)
        figures["page (live, again)"] = best(page, args.repeat)
        figures["fingerprint"] = best(lambda: services.fingerprint(campaign), args.repeat)
        def publish():
            services.publish_ranking(campaign, None, "基准测试")
            db.session.commit()

        figures["publish"] = best(publish, 1)
        def cold_published():
            services._FROZEN.clear()
            db.session.expire_all()
            page()

        figures["page (published, cold)"] = best(cold_published, args.repeat)
        figures["page (published)"] = best(page, args.repeat)
        db.session.remove()
        if not args.keep:
            db.drop_all()
    sql = figures["sql"][0]
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    sql_cpu = figures["sql"][1] or 1e-9
    print(f"{'step':<25}{'wall s':>9}{'× sql':>8}{'cpu s':>9}{'× sql':>8}")
    for name, (wall, cpu) in figures.items():
        print(f"{name:<25}{wall:>9.3f}{wall / sql:>8.1f}{cpu:>9.3f}{cpu / sql_cpu:>8.1f}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
