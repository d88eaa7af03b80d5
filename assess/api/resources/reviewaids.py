"""The review aids' flags of a campaign, as the office's list page shows them (``reviewaids.services``).

Who reads what follows the list page: office administrators and office viewers every department, a reviewer
only the departments assigned to them (``review.access.departments_readable_by``); departments never see
flags. Only the kinds the office switched on for the campaign are listed. Reading never changes a flag or a
score; dismissing stays on the review pages (a reviewer decides there, with the answer in front of them).
"""
from __future__ import annotations

from apiflask import Schema
from apiflask import fields as f
from apiflask.validators import OneOf

from ...models import FLAG_KINDS, ReviewFlag, Submission
from ...review.access import departments_readable_by
from ...reviewaids import services as aids
from ...tenancy.roles import OFFICE_READERS
from ..v1 import Id, PageQuery, dec, iso, page_of, paginate, roles, user, v1
from .campaigns import load_campaign, require_office_user

TAG = "评审辅助"


class ReviewFlagOut(Schema):
    id = f.Integer(required=True)
    kind = f.String(required=True, metadata={
        "description": "copied_text（内容雷同）、figure_jump（数据异常波动）、reused_evidence（佐证材料重复使用）、"
                       "weak_evidence（佐证材料存疑）"})
    kind_label = f.String(required=True, metadata={"description": "提示类别的名称（按 Accept-Language）"})
    department_id = f.Integer(required=True)
    department_name = f.String(required=True)
    submission_id = f.Integer(required=True)
    indicator_code = f.String(required=True)
    field = f.String(required=True, metadata={
        "description": "情况说明/自评理由（explanation、self_score_reason）、填报项名称，或佐证材料问题的原因"})
    field_label = f.String(required=True)
    strength = f.String(required=True, metadata={"description": "强度：重合比例（内容雷同）、倍数或 z 值（数据）"})
    detail = f.Dict(required=True, metadata={"description": "页面所示的细节：两段文字并列、上年与同组中位数、另见于何处等"})
    evidence_id = f.Integer(allow_none=True, metadata={"description": "所涉佐证材料（佐证材料类提示）"})
    other_department_id = f.Integer(allow_none=True)
    other_campaign_id = f.Integer(allow_none=True)
    created_at = f.String(allow_none=True)
    dismissed_at = f.String(allow_none=True, metadata={"description": "评审人员忽略的时间（null：未处理）"})
    dismiss_reason = f.String(required=True)


class ReviewFlagQuery(PageQuery):
    kind = f.String(load_default=None, validate=OneOf(FLAG_KINDS), metadata={"description": "只列这一类"})
    department_id = Id(load_default=None, metadata={"description": "只列这个部门"})
    dismissed = f.Boolean(load_default=False, metadata={"description": "true：包括已忽略的"})


def _dict(row: tuple[aids.FlagView, Submission]) -> dict:
    v, sub = row
    flag: ReviewFlag = v.flag
    return {"id": flag.id, "kind": flag.kind, "kind_label": v.kind_label, "department_id": flag.department_id,
            "department_name": sub.department_name, "submission_id": flag.submission_id,
            "indicator_code": flag.indicator_code, "field": flag.field, "field_label": v.field_label,
            "strength": dec(flag.strength) or "0", "detail": v.detail, "evidence_id": flag.evidence_id,
            "other_department_id": flag.other_department_id, "other_campaign_id": flag.other_campaign_id,
            "created_at": iso(flag.created_at), "dismissed_at": iso(flag.dismissed_at),
            "dismiss_reason": flag.dismiss_reason or ""}


@v1.get("/campaigns/<int:campaign_id>/review-flags")
@roles(*OFFICE_READERS)
@v1.input(ReviewFlagQuery, location="query", arg_name="query")
@v1.output(page_of(ReviewFlagOut, "ReviewFlagPage"))
@v1.doc(tags=[TAG], summary="评审辅助提示（强的在前）",
        description="内容雷同、数据异常波动、佐证材料重复使用和存疑的提示，与页面“评审辅助提示”相同：只列本考核开启的检查项；"
                    "评审人员只看到分配给自己的部门；部门用户无权查看。提示不影响任何得分。")
def list_review_flags(campaign_id: int, query):
    require_office_user()
    campaign = load_campaign(campaign_id)
    readable = departments_readable_by(user(), campaign)
    if query.get("department_id") is not None:
        wanted = {query["department_id"]}
        readable = wanted if readable is None else readable & wanted
    rows = aids.campaign_flags(campaign, readable, kind=query.get("kind"),
                               include_dismissed=bool(query.get("dismissed")))
    return paginate(rows, query, _dict)
