"""Demo data for the rubric pages: a draft second version of the county rubric and the provincial rubric.

``demo_rubrics(office, rng)`` runs after ``assess.demo.campaigns.demo_campaign`` (which stores and freezes
version 1 of the county rubric for its campaign). It adds, as the office administrator would in the editor,
a draft version 2 that the office is weighing — stricter on content accuracy, a higher bar for 信息公开数量,
reworded guidance — so that "往期考核重算" has something to compare once the campaign is scored; and it adds
the shipped provincial social-insurance rubric. Idempotent: versions already present are not stored twice.
"""
from __future__ import annotations

import random

from sqlalchemy import select

from ..extensions import db
from ..models import Office, Role, Rubric, User
from ..rubrics import services

COUNTY = "county-annual-2026.yaml"
PROVINCE = "guangdong-social-insurance-2014.yaml"


def demo_rubrics(office: Office, rng: random.Random) -> list[Rubric]:
    actor = db.session.scalars(select(User).where(User.office_id == office.id, User.role == Role.OFFICE_ADMIN,
                                                  User.department_id.is_(None)).order_by(User.id)).first()
    made: list[Rubric] = []
    rows = db.session.scalars(select(Rubric).where(Rubric.office_id == office.id)
                              .order_by(Rubric.family, Rubric.version)).all()
    county = [r for r in rows if r.family == "county-annual-2026"]
    if not county:
        county = [services.add_shipped(office.id, COUNTY, actor=actor)]
        made.append(county[0])
    if len(county) == 1:
        base = county[0]
        values = services.editor_values(services.base_raw(base), yaml_fields=True)
        per_char = rng.choice(["1", "0.8"])
        values["C6.rule"] = values["C6.rule"].replace("per: 0.5", f"per: {per_char}")
        values["C6.standard"] = (f"公开内容无错敏字、无错误链接。每发现一处错敏字扣{per_char}分，"
                                 "每个错误链接扣0.2分，扣完为止。")
        values["C1.rule"] = ("kind: tiers\nfigure: items_published\ntiers:\n- {from: 300, points: 6}\n"
                             "- {from: 150, below: 300, points: 4}\n- {from: 60, below: 150, points: 2}\n"
                             "- {from: 0, below: 60, points: 0}\n")
        values["C1.standard"] = "全年主动公开信息300条以上得6分，150至299条得4分，60至149条得2分，60条以下不得分。"
        values["C8.guidance"] = "评审人员随机抽查不少于30条信息，逐条核对发布机构、日期、文号后评定，0至4分，步长0.5分。"
        made.append(services.save_edit(base, values, actor=actor))
    if not any(r.family != "county-annual-2026" for r in rows):
        try:
            made.append(services.add_shipped(office.id, PROVINCE, actor=actor))
        except services.RubricsError:  # pragma: no cover — already stored under another family name
            pass
    db.session.flush()
    return made
