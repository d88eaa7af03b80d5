"""Deadline-day load benchmark — one command, bounded in time:

    python -m bench.load [--db sqlite,postgresql] [--workers N] [--run-time 60] [--ceiling-time 10]
                         [--dept-users 200] [--reviewers 10] [--departments 500] [--keep]

For each database (SQLite file; a throw-away PostgreSQL cluster from scripts/pg_test_server.sh, or
BENCH_DATABASE_URL if set — its tables are dropped): builds the data set (bench.load.dataset), serves the
app as in production (``gunicorn -w N wsgi:app`` on 127.0.0.1 and a free port), measures the ceiling
(``GET /healthz``, no think time), then runs the deadline-hour mix with locust (headless):
``--dept-users`` department administrators saving drafts through the JSON autosave and submitting,
``--reviewers`` reviewers scoring, one office user reading the ranking. It prints throughput and
p50/p95/p99 per kind of request and the error count, then checks the database against what the server
acknowledged: every acknowledged save present exactly once with the last acknowledged value (version and
audit entries counted), each acknowledged submission submitted exactly once, each acknowledged review
score stored exactly once. Exit status 1 when there were errors, lost or duplicated writes, or a p95 of
saves at or above 300 ms.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
SAVE_P95_LIMIT_MS = 300


def default_workers(url: str) -> int:
    """What the README recommends for production. PostgreSQL: gunicorn's own advice, 2 × CPUs + 1 — a worker
    waiting for the database server leaves its CPU to another. SQLite serialises writers on one file lock:
    beyond 3 workers on 2 CPUs the writers only crowd the lock (measured: 5 workers were many times slower)."""
    return 2 * (os.cpu_count() or 1) + 1 if url.startswith("postgresql") else 3


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def log(msg: str) -> None:
    print(f"[load] {msg}", flush=True)


def app_for(url: str, storage: str):
    from assess import create_app

    return create_app({"SECRET_KEY": "bench-load", "SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": storage})


def build_dataset(url: str, storage: str, args, plan_path: Path, backup: Path) -> str:
    """The first database gets the data set built through the services (and backed up); the next ones
    get that backup restored (``flask backup``/``restore`` are database-neutral) — the same rows, faster."""
    from assess.backup import make_backup, restore_backup
    from assess.extensions import db

    from .dataset import build

    app = app_for(url, storage)
    with app.app_context():
        db.drop_all()
        db.create_all()
        if backup.exists():
            restore_backup(backup)
            how = "restored from the first database's backup"
        else:
            plan = build(departments=args.departments, n_dept_users=args.dept_users, n_reviewers=args.reviewers,
                         production_hash=args.production_hash)
            db.session.commit()
            plan_path.write_text(json.dumps(plan, ensure_ascii=False))
            make_backup(backup)
            how = "built"
        db.session.remove()
        db.engine.dispose()
    return how


def start_server(url: str, storage: str, workers: int, logfile: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, STORAGE_DIR=storage, SECRET_KEY="bench-load",
               ASSESS_ENV="development",  # production marks cookies Secure: no session over plain http
               LOGIN_RATE_LIMIT="1000 per minute")
    proc = subprocess.Popen(
        [str(Path(PY).parent / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "60",
         "--graceful-timeout", "10",
         # the access log gives each request's time inside the server (%(M)s ms): the rest is queueing
         "--access-logfile", "-", "--access-logformat", ACCESS_FORMAT, "wsgi:app"],
        cwd=ROOT, env=env, stdout=logfile.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited: see {logfile}\n{logfile.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return proc, port
        except OSError:
            time.sleep(0.3)
    stop_server(proc)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_locust(port: int, classes: list[str], users: int, rate: int, seconds: int, prefix: Path, env: dict) -> list[dict]:
    cmd = [PY, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py")), "--headless",
           "-u", str(users), "-r", str(rate), "--run-time", f"{seconds}s", "--stop-timeout", "10",
           "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
           *classes]
    out = subprocess.run(cmd, cwd=ROOT, env=dict(os.environ, **env), capture_output=True, text=True,
                         timeout=seconds + 60)
    if out.returncode not in (0, 1):  # 1 = some requests failed (reported below)
        raise SystemExit(f"locust failed ({out.returncode}):\n{out.stderr[-3000:]}")
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    failures_path = Path(f"{prefix}_failures.csv")
    failures = list(csv.DictReader(failures_path.open(encoding="utf-8"))) if failures_path.exists() else []
    for f in failures[:10]:
        log(f"failure: {f.get('Method')} {f.get('Name')}: {f.get('Error')} x{f.get('Occurrences')}")
    return rows


def fmt_rows(title: str, rows: list[dict], seconds: int) -> list[str]:
    out = [title, f"  {'request':<26}{'count':>7}{'errors':>7}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
                  f"{'max ms':>8}"]
    for r in rows:
        name = "TOTAL" if r["Name"] == "Aggregated" else r["Name"]
        out.append(f"  {name:<26}{r['Request Count']:>7}{r['Failure Count']:>7}{float(r['Requests/s']):>8.1f}"
                   f"{r['50%']:>8}{r['95%']:>8}{r['99%']:>8}{float(r['Max Response Time']):>8.0f}")
    return out


def verify(url: str, storage: str, plan: dict, acks: dict) -> list[str]:
    """Compare the database with what the server acknowledged; returns the problems found."""
    from sqlalchemy import func, select

    from assess.extensions import db
    from assess.models import Answer, AuditEntry, ReviewScore, Submission, SubmissionState, User

    problems: list[str] = []
    app = app_for(url, storage)
    with app.app_context():
        sids = [u["submission_id"] for u in plan["dept_users"]]
        answers = {(a.submission_id, a.indicator_code): a for a in db.session.scalars(
            select(Answer).where(Answer.submission_id.in_(sids)).execution_options(unscoped=True))}
        dup = db.session.execute(select(Answer.submission_id, Answer.indicator_code, func.count())
                                 .where(Answer.submission_id.in_(sids))
                                 .group_by(Answer.submission_id, Answer.indicator_code).having(func.count() > 1)
                                 .execution_options(unscoped=True)).all()
        if dup:
            problems.append(f"{len(dup)} duplicated answers")
        audit_saves = Counter(int(x) for x in db.session.scalars(
            select(AuditEntry.object_id).where(AuditEntry.action == "answer.save",
                                               AuditEntry.campaign_id == plan["campaign_self"])
            .execution_options(unscoped=True)))
        by_key: dict[tuple, list] = defaultdict(list)
        for sid, code, version, text in acks["saves"]:
            by_key[(sid, code)].append((version, text))
        acked_texts = {t for _s, _c, _v, t in acks["saves"]}
        # a save sent but never answered (cut off when the run stopped): it may or may not have happened
        pending = {(sid, code): text for sid, code, _v, text in acks.get("attempts", []) if text not in acked_texts}
        for key in set(by_key) | set(pending):
            a = answers.get(key)
            saves = by_key.get(key, [])
            version, text = max(saves) if saves else (1, None)
            if a is None:
                problems.append(f"lost: answer {key} missing")
                continue
            n_audit = audit_saves.get(a.id, 0)
            if key in pending and a.explanation == pending[key]:  # the unanswered save did happen, once
                version, text, n = version + 1, pending[key], len(saves) + 1
            else:
                n = len(saves)
            if a.version_id != version or (text is not None and a.explanation != text):
                problems.append(f"answer {key}: stored v{a.version_id} {a.explanation[:30]!r}, acknowledged v{version}")
            if len({v for v, _t in saves}) != len(saves):
                problems.append(f"answer {key}: two saves acknowledged with the same version")
            if a.version_id - 1 != n or n_audit != n:
                problems.append(f"answer {key}: {n} saves, version {a.version_id}, {n_audit} audit entries")
        for key, a in answers.items():
            if key not in by_key and key not in pending and (a.version_id != 1 or audit_saves.get(a.id, 0)):
                problems.append(f"answer {key} changed without an acknowledged save")
        subs = {s.id: s for s in db.session.scalars(select(Submission).where(Submission.id.in_(sids))
                                                      .execution_options(unscoped=True))}
        audit_flow = Counter((a, int(o)) for a, o in db.session.execute(
            select(AuditEntry.action, AuditEntry.object_id).where(
                AuditEntry.action.in_(["submission.send", "submission.submit"]),
                AuditEntry.campaign_id == plan["campaign_self"]).execution_options(unscoped=True)))
        acked = Counter(acks["submits"])
        cut_off_submits = set(acks.get("submit_attempts", [])) - set(acked)
        for sid, s in subs.items():
            if acked[sid] > 1:
                problems.append(f"submission {sid} acknowledged {acked[sid]} times")
            if acked[sid]:
                if s.state != SubmissionState.SUBMITTED or s.submitted_at is None:
                    problems.append(f"lost: submission {sid} acknowledged but {s.state.value}")
                for action in ("submission.send", "submission.submit"):
                    if audit_flow[(action, sid)] != 1:
                        problems.append(f"submission {sid}: {audit_flow[(action, sid)]} × {action}")
            elif sid in cut_off_submits:  # sent, never confirmed (the run ended): all of it or none of it
                if s.state == SubmissionState.SUBMITTED and audit_flow[("submission.submit", sid)] != 1:
                    problems.append(f"submission {sid}: {audit_flow[('submission.submit', sid)]} × submission.submit")
            elif s.state == SubmissionState.SUBMITTED:
                problems.append(f"submission {sid} submitted without acknowledgement")
        reviewers = dict(db.session.execute(select(User.username, User.id).where(User.username.like("load-r%"))
                                            .execution_options(unscoped=True)).all())
        dept_of = dict(db.session.execute(select(Submission.id, Submission.department_id).where(
            Submission.campaign_id == plan["campaign_review"]).execution_options(unscoped=True)).all())
        stored = Counter(db.session.execute(select(ReviewScore.department_id, ReviewScore.indicator_code,
                                                   ReviewScore.reviewer_id)
                                            .where(ReviewScore.campaign_id == plan["campaign_review"])
                                            .execution_options(unscoped=True)).all())
        want = Counter((dept_of[sid], code, reviewers[user]) for sid, code, user in acks["reviews"])
        for key, n in want.items():
            if stored.get(key, 0) != 1 or n != 1:
                problems.append(f"review score {key}: acknowledged {n}, stored {stored.get(key, 0)}")
        cut_off = {(dept_of[sid], code, reviewers[user]) for sid, code, user in acks.get("review_attempts", [])}
        extra = sum(1 for key in stored if key not in want and key not in cut_off)
        if extra:
            problems.append(f"{extra} review scores stored without acknowledgement")
        db.session.remove()
        db.engine.dispose()
    return problems


ACCESS_FORMAT = "%(t)s %(m)s %(U)s %(s)s %(M)s"
ACCESS_LINE = re.compile(r"^\[(\d+/\w+/\d+:\d+:\d+:\d+ [+-]\d{4})\] POST /self/api/\S+ \d+ (\d+)$", re.M)


def server_times(logfile: Path, since: float) -> str:
    """p50/p95/p99 of the saves' time inside the server (from the access log), from ``since`` (epoch s)."""
    ms = sorted(int(m) for when, m in ACCESS_LINE.findall(logfile.read_text(errors="replace"))
                if datetime.strptime(when, "%d/%b/%Y:%H:%M:%S %z").timestamp() >= since - 1)
    if not ms:
        return "n/a"
    pick = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]  # noqa: E731
    return f"p50 {pick(0.5)} ms, p95 {pick(0.95)} ms, p99 {pick(0.99)} ms ({len(ms)} saves)"


def server_errors(logfile: Path) -> int:
    text = logfile.read_text(errors="replace")
    return text.count("Traceback") + text.count("WORKER TIMEOUT")


def run_one(label: str, url: str, args, work: Path) -> tuple[list[str], bool]:
    storage = str(work / f"storage-{label}")
    plan_path = work / "plan.json"
    t0 = time.time()
    how = build_dataset(url, storage, args, plan_path, work / "dataset-backup.zip")
    plan = json.loads(plan_path.read_text())
    log(f"{label}: data set {how} in {time.time() - t0:.0f} s ({args.departments} departments, "
        f"{len(plan['dept_users'])} departments in the pool, {len(plan['reviewers'])} reviewers)")
    logfile = work / f"gunicorn-{label}.log"
    workers = args.workers or default_workers(url)
    proc, port = start_server(url, storage, workers, logfile)
    lines: list[str] = []
    ok = True
    try:
        ceiling = run_locust(port, ["HealthUser"], args.ceiling_users, args.ceiling_users, args.ceiling_time,
                             work / f"ceiling-{label}", {})
        lines += fmt_rows(f"{label}: ceiling — GET /healthz, {args.ceiling_users} users without think time, "
                          f"{args.ceiling_time} s", ceiling, args.ceiling_time)
        acks_path = work / f"acks-{label}.json"
        env = {"LOAD_PLAN": str(plan_path), "LOAD_ACKS": str(acks_path), "LOAD_DEPT_USERS": str(args.dept_users),
               "LOAD_REVIEWERS": str(args.reviewers), "LOAD_OFFICE_USERS": "1", "LOAD_WARMUP": str(args.warmup),
               "LOAD_MEASURE": str(args.run_time), "LOAD_THINK_MIN": args.think.split("-")[0],
               "LOAD_THINK_MAX": args.think.split("-")[-1]}
        users = args.dept_users + args.reviewers + 1
        mix = run_locust(port, ["DepartmentUser", "ReviewerUser", "OfficeUser"], users, args.spawn_rate,
                         args.warmup + args.run_time + 45, work / f"mix-{label}", env)
    finally:
        stop_server(proc)
    lines += fmt_rows(f"{label}: deadline-hour mix — {users} users ({args.dept_users} departments at a time, "
                      f"{args.reviewers} reviewers, 1 office), {args.run_time} s, gunicorn -w {workers}", mix, args.run_time)
    acks = json.loads(acks_path.read_text())
    ready, total = acks.get("warmup_ready", [0, 0])
    lines.append(f"  warm-up (not in the figures above): {ready}/{total} users logged in; "
                 + ", ".join(f"{n} {c}× p50 {p50:.0f} ms p95 {p95:.0f} ms" for n, c, _f, p50, p95 in acks.get("warmup", [])
                             if n != "Aggregated" and c))
    problems = verify(url, storage, plan, acks)
    errors = sum(int(r["Failure Count"]) for r in mix if r["Name"] == "Aggregated")
    errors += sum(int(r["Failure Count"]) for r in ceiling if r["Name"] == "Aggregated")
    srv = server_errors(logfile)
    save = next((r for r in mix if r["Name"] == "save (JSON autosave)"), None)
    p95 = float(save["95%"]) if save and save["95%"] not in ("N/A", "") else float("nan")
    lines.append(f"  acknowledged: {len(acks['saves'])} saves, {len(acks['submits'])} submissions, "
                 f"{len(acks['reviews'])} review scores")
    lines.append(f"  database check: {'OK — no lost or duplicated writes' if not problems else 'FAILED'}")
    lines += [f"    {p}" for p in problems[:20]]
    lines.append(f"  errors: {errors} failed requests, {srv} server tracebacks/timeouts (log: {logfile})")
    lines.append(f"  saves inside the server (the rest of the time above is waiting for a free worker): "
                 f"{server_times(logfile, acks.get('measure_start', 0))}")
    lines.append(f"  saves p95: {p95:.0f} ms (target < {SAVE_P95_LIMIT_MS} ms): "
                 f"{'met' if p95 < SAVE_P95_LIMIT_MS else 'NOT met'}")
    ok = not problems and errors == 0 and srv == 0 and p95 < SAVE_P95_LIMIT_MS
    return lines, ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    p.add_argument("--db", default="sqlite,postgresql")
    p.add_argument("--workers", type=int, default=0,
                   help="gunicorn sync workers (default: 3 on SQLite, 2 × CPUs + 1 on PostgreSQL — see default_workers)")
    p.add_argument("--run-time", type=int, default=60, help="measured seconds of the mix (after the warm-up)")
    p.add_argument("--warmup", type=int, default=60, help="at most this many seconds for all users to log in")
    p.add_argument("--ceiling-time", type=int, default=10)
    p.add_argument("--ceiling-users", type=int, default=20)
    p.add_argument("--spawn-rate", type=int, default=50)
    p.add_argument("--dept-users", type=int, default=200)
    p.add_argument("--reviewers", type=int, default=10)
    p.add_argument("--departments", type=int, default=500)
    p.add_argument("--production-hash", action="store_true",
                   help="hash the load users' password with the production Argon2 parameters (slow log-ins)")
    p.add_argument("--think", default="5-15", help="seconds between two actions of one user (min-max)")
    p.add_argument("--keep", action="store_true", help="keep the work folder (logs, CSV, plans)")
    args = p.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    work = Path(tempfile.mkdtemp(prefix="assess-load."))
    report: list[str] = []
    all_ok = True
    started_pg = None
    t0 = time.time()
    load1 = os.getloadavg()[0]
    try:
        for label in [x.strip() for x in args.db.split(",") if x.strip()]:
            if label == "sqlite":
                url = f"sqlite:///{work / 'load.sqlite3'}"
            elif label in ("postgresql", "pg"):
                label = "postgresql"
                url = os.environ.get("BENCH_DATABASE_URL", "")
                if not url:
                    out = subprocess.run(["bash", str(ROOT / "scripts/pg_test_server.sh"), "start"], check=True,
                                         capture_output=True, text=True).stdout
                    env = dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines() if "=" in line)
                    started_pg = env["PG_TEST_DIR"]
                    url = env["TEST_DATABASE_URL"]
            else:
                raise SystemExit(f"unknown database {label!r} (sqlite, postgresql)")
            lines, ok = run_one(label, url, args, work)
            all_ok &= ok
            report += lines + [""]
            print("\n".join(lines), flush=True)
    finally:
        if started_pg:
            subprocess.run(["bash", str(ROOT / "scripts/pg_test_server.sh"), "stop", started_pg],
                           capture_output=True)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("\n== Summary ==")
    print(f"machine: {os.cpu_count()} CPUs, load average {load1:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; "
          f"gunicorn -w {args.workers or 'default'} (sync workers); total {time.time() - t0:.0f} s")
    print("\n".join(report))
    print("RESULT:", "PASS" if all_ok else "FAIL (see above)")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
