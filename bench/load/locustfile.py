"""The deadline-hour mix for locust (run by ``python -m bench.load``; see docs/LOAD-AND-FAULTS.md).

Environment: ``LOAD_PLAN`` (the JSON written by bench.load.dataset), ``LOAD_ACKS`` (where each locust
process writes what the server acknowledged, for the database check afterwards).

- ``DepartmentUser`` (``LOAD_DEPT_USERS`` of them at any moment): the person of the next department of the
  plan logs in, then re-saves indicators through the JSON autosave with the version it holds — the data
  set's version, which its form showed when it was opened before the deadline hour, then the version each
  save returned — re-opens its form now and then (reading the versions there again) and, after a few
  saves, sends the form to the leader and submits it (it is the department's administrator). A department
  that has submitted is done; the person of the next department of the plan takes its place (logs in, in
  the measured mix), so that as many departments are at work at every moment of the hour. When the plan
  has no department left, the user stays idle.

Warm-up and measurement: users log in in ``on_start`` and then wait a think time before their first action,
as before every later one (the deadline hour is not 211 people clicking in the same second after a log-in
storm); once all of them are in (or after ``LOAD_WARMUP`` seconds) and one more maximum think time has
passed (``LOAD_SETTLE``, so that what queued behind the log-ins has been served), the statistics are
reset, the measured window of ``LOAD_MEASURE`` seconds starts, and at its end the run stops. What happened
before is reported separately (``warm-up``), not in the mix.
- ``ReviewerUser``: opens the review sheet of an indicator of an assigned department, accepts the
  self-score with the score form's version, moves on (never the same indicator twice).
- ``OfficeUser``: reads the ranking of the campaign in review (all groups or one group).
- ``HealthUser``: ``GET /healthz`` without think time — the ceiling of this server on this machine.

Every user is a ``FastHttpUser`` (geventhttpclient): the load generator runs on the same two CPUs as the
server, and the plain ``HttpUser`` (python-requests) spent several times more of them per request.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time

import gevent
from locust import FastHttpUser, between, constant, events, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read()) if os.environ.get("LOAD_PLAN") else None
ACKS: dict[str, list] = {"saves": [], "attempts": [], "submits": [], "reviews": [], "review_attempts": [], "submit_attempts": [],
                         "warmup": []}
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VERSION_RE = re.compile(r'data-code="([^"]+)"[^>]*>\s*<input[^>]*name="csrf_token"[^>]*>\s*'
                        r'<input type="hidden" name="version" value="(\d+)"')
SCORE_VERSION_RE = re.compile(r'class="score-form"[^>]*>.*?name="version"[^>]*value="(\d*)"', re.S)
SAVES_BEFORE_SUBMIT = (int(os.environ.get("LOAD_SAVES_MIN", "3")), int(os.environ.get("LOAD_SAVES_MAX", "8")))
THINK = (float(os.environ.get("LOAD_THINK_MIN", "5")), float(os.environ.get("LOAD_THINK_MAX", "15")))
_lock = threading.Lock()
_dept_iter = itertools.count()
_rev_iter = itertools.count()


_ready = {"n": 0}
WARMUP = float(os.environ.get("LOAD_WARMUP", "120"))
MEASURE = float(os.environ.get("LOAD_MEASURE", "0"))  # 0: no gate (the ceiling run)
SETTLE = float(os.environ.get("LOAD_SETTLE", str(THINK[1])))


def _ready_one() -> None:
    _ready["n"] += 1


@events.test_start.add_listener
def _gate(environment, **_kw):
    if not MEASURE:
        return

    def run():
        total = sum(getattr(cls, "fixed_count", 0) for cls in environment.user_classes)
        deadline = time.monotonic() + WARMUP
        while _ready["n"] < total and time.monotonic() < deadline:
            gevent.sleep(0.2)
        gevent.sleep(SETTLE)
        s = environment.runner.stats
        ACKS["warmup"] = [[e.name, e.num_requests, e.num_failures, e.get_response_time_percentile(0.5),
                           e.get_response_time_percentile(0.95)] for e in s.entries.values()]
        ACKS["warmup_ready"] = [_ready["n"], total]
        s.reset_all()
        ACKS["measure_start"] = time.time()
        gevent.sleep(MEASURE)
        environment.runner.quit()

    gevent.spawn(run)


@events.quitting.add_listener
def _write_acks(environment, **_kw):
    path = os.environ.get("LOAD_ACKS")
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(ACKS, fh, ensure_ascii=False)


def _login(user: FastHttpUser, username: str, name: str = "login (warm-up)") -> bool:
    r = user.client.get("/auth/login", name=name.replace("login", "login page"))
    m = CSRF_RE.search(r.text or "")
    with user.client.post("/auth/login", data={"username": username, "password": PLAN["password"],
                                              "csrf_token": m.group(1) if m else ""},
                          allow_redirects=False, name=name, catch_response=True) as resp:
        if resp.status_code != 302:
            resp.failure(f"login {username}: {resp.status_code}")
            return False
    return True


class DepartmentUser(FastHttpUser):
    wait_time = between(*THINK)
    fixed_count = int(os.environ.get("LOAD_DEPT_USERS", "200"))

    def on_start(self):
        self.ok = self.take_next_department("login (warm-up)")
        _ready_one()
        gevent.sleep(random.uniform(0, THINK[1]))  # a think time before the first action too

    def take_next_department(self, login_name: str) -> bool:
        """The next department of the plan that nobody has taken yet logs in (False when none is left)."""
        with _lock:
            n = next(_dept_iter)
        if n >= len(PLAN["dept_users"]):
            return False
        self.me = PLAN["dept_users"][n]
        self.sid = self.me["submission_id"]
        self.submitted = False
        self.saves = 0
        self.target = random.randint(*SAVES_BEFORE_SUBMIT)
        self.versions = {code: 1 for code in self.me["answers"]}  # what the form showed before the hour
        self.client.cookiejar.clear()  # a new person, a new browser session
        return _login(self, self.me["username"], login_name) and self.read_token()

    def read_token(self) -> bool:
        r = self.client.get("/", name="home page")
        m = CSRF_RE.search(r.text or "")
        self.csrf = m.group(1) if m else ""
        return bool(self.csrf)

    def read_form(self) -> bool:
        with self.client.get(f"/self/{self.sid}", name="self-assessment page", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"form {r.status_code}")
                return False
            text = r.text
        m = CSRF_RE.search(text)
        self.csrf = m.group(1) if m else ""
        self.versions.update({code: int(v) for code, v in VERSION_RE.findall(text)})
        return bool(self.csrf)

    @task
    def work(self):
        if not self.ok:
            return
        if self.submitted:  # done: another department's person takes this place in the deadline hour
            self.ok = self.take_next_department("login (next department)")
            return
        if self.saves >= self.target:
            self.submit()
            return
        if random.random() < 0.1:  # re-opens the form (and its versions) now and then
            self.read_form()
            return
        code = random.choice(list(self.me["answers"]))
        fig = self.me["answers"][code]
        self.saves += 1
        text = f"负载测试 {self.me['username']} 第{self.saves}次保存 {code}：本单位已按要求完成。"
        payload = {"inputs": fig["inputs"], "self_score": fig["self_score"],
                   "self_score_reason": fig["self_score_reason"], "explanation": text,
                   "version": self.versions.get(code, 0)}
        ACKS["attempts"].append([self.sid, code, payload["version"], text])  # may be cut off by the stop
        with self.client.post(f"/self/api/{self.sid}/answers/{code}", json=payload, name="save (JSON autosave)",
                              headers={"X-CSRFToken": self.csrf, "Accept": "application/json"},
                              catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"save {code}: {r.status_code} {r.text[:200]}")
                return
            version = r.json()["version"]
        self.versions[code] = version
        ACKS["saves"].append([self.sid, code, version, text])

    def submit(self):
        ACKS["submit_attempts"].append(self.sid)  # confirmed below, unless the end of the run cuts it off
        for url, name, done in ((f"/self/{self.sid}/send", "send to leader", "已送分管领导审核"),
                                (f"/self/{self.sid}/submit", "submit", "已以本部门名义提交自评表")):
            with self.client.post(url, data={"csrf_token": self.csrf}, allow_redirects=False, name=name,
                                  catch_response=True) as r:
                if r.status_code != 302:
                    r.failure(f"{name}: {r.status_code}")
                    self.ok = False
                    return
            # the outcome is the flash message on the page the redirect leads to
            with self.client.get(f"/self/{self.sid}", name="self-assessment page", catch_response=True) as r:
                if done not in (r.text or ""):
                    r.failure(f"{name} not confirmed")
                    self.ok = False
                    return
        self.submitted = True
        ACKS["submits"].append(self.sid)


class ReviewerUser(FastHttpUser):
    wait_time = between(*THINK)
    fixed_count = int(os.environ.get("LOAD_REVIEWERS", "10"))

    def on_start(self):
        with _lock:
            self.me = PLAN["reviewers"][next(_rev_iter) % len(PLAN["reviewers"])]
        self.todo = [(sid, code) for sid in self.me["submissions"] for code in PLAN["codes"]]
        self.ok = _login(self, self.me["username"])
        _ready_one()
        gevent.sleep(random.uniform(0, THINK[1]))

    @task
    def review(self):
        if not self.ok or not self.todo:
            return
        sid, code = self.todo.pop(0)
        with self.client.get(f"/review/submissions/{sid}?code={code}", name="review sheet", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"sheet {r.status_code}")
                return
            text = r.text
        csrf, version = CSRF_RE.search(text), SCORE_VERSION_RE.search(text)
        data = {"csrf_token": csrf.group(1) if csrf else "", "version": version.group(1) if version else "0",
                "reviewer_id": "", "action": "accept", "score": "", "problem": "", "reason": ""}
        ACKS["review_attempts"].append([sid, code, self.me["username"]])  # may be cut off by the stop
        with self.client.post(f"/review/submissions/{sid}/scores/{code}", data=data, allow_redirects=False,
                              name="review score", catch_response=True) as r:
            if r.status_code != 302:
                r.failure(f"score {sid}/{code}: {r.status_code}")
                return
        ACKS["reviews"].append([sid, code, self.me["username"]])


class OfficeUser(FastHttpUser):
    wait_time = between(*THINK)
    fixed_count = int(os.environ.get("LOAD_OFFICE_USERS", "1"))

    def on_start(self):
        self.ok = _login(self, PLAN["office_users"][0])
        _ready_one()

    @task
    def ranking(self):
        if self.ok:
            self.client.get(f"/ranking/{PLAN['campaign_review']}", name="ranking page")


class HealthUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def health(self):
        self.client.get("/healthz", name="healthz")
