"""A campaign with five departments (A–E of office A) whose texts and figures the review-aid tests set."""
from __future__ import annotations

import json

from assess.admin import services as admin_services
from assess.extensions import db
from assess.models import Answer, CampaignState
from tests.review_factories import make_campaign, make_submission

ORIGINAL = ("今年我局依托门户网站开设了社保政策解读专栏，全年发布图解材料二十四篇，并通过微信公众号同步推送，"
            "群众留言均在三个工作日内答复。")
EDITED = ("今年本局依托门户网站开设了社保政策解读专栏，全年发布图解材料二十六篇，并通过微信公众号同步推送，"
          "群众留言均在三个工作日内答复。")
OTHER = "乡镇便民服务中心设置政务公开专区，配备查阅终端两台，安排专人值守，每季度更新办事指南。"
LAST_YEAR = "县档案馆建成政府信息查阅中心，全年接待查阅群众一百二十人次，并编制年度公开指南，方便群众查询。"
THIS_YEAR = "县档案馆建成政府信息查阅中心，全年接待查阅群众一百五十人次，并编制年度公开指南，方便群众查询。"
BOILER = "根据县政府办公室关于做好本年度政务公开工作的通知要求，结合本单位实际。"
OWN = ["建立健全依申请公开登记台账，全年受理申请十五件，均按期答复。", "完善政策解读机制，主要负责同志带头解读重要政策三次。",
       "开展政府开放日活动两次，邀请人大代表和群众代表参加。", "编制主动公开基本目录，梳理公开事项八十余项并动态调整。",
       "组织全局干部参加条例专题培训，覆盖率达到百分之百。"]


def answer(sub, code) -> Answer:
    return next(a for a in sub.answers if a.indicator_code == code)


def set_figure(sub, code, name, value):
    a = answer(sub, code)
    a.inputs = json.dumps({**json.loads(a.inputs), name: value}, ensure_ascii=False)


def build(tenant):
    """Last year's campaign (2025) and this year's (2026, in review) with departments A–E; returns
    (campaign, {letter: submission}, last year's {letter: submission})."""
    office, group = tenant.office, tenant.group
    depts = {"A": tenant.dept_a, "B": tenant.dept_b}
    for letter in "CDE":
        depts[letter] = admin_services.create_department(office, f"AAA{letter}局", group, actor=None)
    before = make_campaign(office, state=CampaignState.CLOSED)
    before.year, before.name = 2025, "2025年度政务公开考核"
    campaign = make_campaign(office, rubric_row=before.rubric)
    old = {k: make_submission(before, d) for k, d in depts.items()}
    subs = {k: make_submission(campaign, d) for k, d in depts.items()}
    answer(subs["A"], "A1").explanation = ORIGINAL  # copied by B (with edits) on another indicator
    answer(subs["B"], "A3").explanation = EDITED
    answer(subs["D"], "A1").explanation = OTHER
    answer(old["C"], "A1").explanation = LAST_YEAR  # C repeats last year's text
    answer(subs["C"], "A1").explanation = THIS_YEAR
    answer(old["D"], "A1").explanation = LAST_YEAR  # …but D's last year is not C's
    for (k, sub), body in zip(subs.items(), OWN):  # everyone's boilerplate, each with their own body
        answer(sub, "A2").explanation = BOILER + body
    db.session.flush()
    return campaign, subs, old


def isolation_flag(w):
    """A copied-text flag on department A's submission (its passages carry the DEPT marker)."""
    from assess.models import ReviewFlag

    sub = w.obj("review_submission")
    a = answer(sub, "A1")
    flag = ReviewFlag(office_id=sub.office_id, department_id=sub.department_id, campaign_id=sub.campaign_id,
                      submission_id=sub.id, answer_id=a.id, indicator_code="A1", kind="copied_text",
                      field="explanation", fingerprint=f"copied_text:{a.id}:explanation:0:explanation",
                      detail=json.dumps({"similarity": 0.9, "other": {"department": "SECRET-DEPT-A 乙局", "campaign": "x",
                                                                       "year": 2026, "indicator": "A1",
                                                                       "field": "explanation"},
                                         "passages": [["SECRET-DEPT-A 本部门", "SECRET-DEPT-A 其他", 0.9]]},
                                        ensure_ascii=False), dismiss_reason="")
    db.session.add(flag)
    db.session.flush()
    return flag
