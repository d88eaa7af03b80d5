"""Rankings and grades (live or published), publication, through assess.ranking.services.

Office users see the whole ranking (the latest publication, or the live computation before publication or
with ``live=true``); a department sees only its own row of the latest publication, as on the ranking page.
"""
from __future__ import annotations

from apiflask import Schema
from apiflask import fields as f
from apiflask.schemas import FileSchema
from apiflask.validators import Length, OneOf

from ...models import Role
from ...ranking import exports as rk_exports
from ...ranking import services as rk
from ...tenancy.roles import OFFICE_READERS, TENANT_ROLES
from ..v1 import Id, PageQuery, commit, dec, iso, page_of, paginate, roles, user, v1
from .campaigns import is_office_user, load_campaign, require_office_user

TAG = "排名与等次"


class RankRowOut(Schema):
    department_id = f.Integer(required=True)
    department_name = f.String(required=True)
    group_id = f.Integer(required=True)
    group_name = f.String(required=True)
    rank = f.Integer(required=True, metadata={"description": "组内名次"})
    overall_rank = f.Integer(allow_none=True)
    group_size = f.Integer(required=True)
    total = f.String(required=True)
    grade = f.String(required=True, metadata={"description": "等次"})
    grade_by_score = f.String(required=True)
    areas = f.Dict(keys=f.String(), values=f.String(), required=True, metadata={"description": "各领域得分"})
    base = f.String(required=True)
    bonus = f.String(required=True)
    late_deduction = f.String(required=True)
    late_days = f.Integer(required=True)
    vetoes = f.List(f.String(), required=True)
    submitted = f.Boolean(required=True)
    complete = f.Boolean(required=True)
    capped = f.Boolean(required=True)
    note = f.String(required=True)


class PublicationOut(Schema):
    version = f.Integer(required=True)
    published_at = f.String(allow_none=True)
    reason = f.String(required=True)


class RankingOut(Schema):
    campaign_id = f.Integer(required=True)
    live = f.Boolean(required=True, metadata={"description": "true：实时计算；false：已发布版本"})
    publication = f.Nested(PublicationOut, allow_none=True)
    grade_counts = f.Dict(keys=f.String(), values=f.Integer(), required=True)
    items = f.List(f.Nested(RankRowOut), required=True)
    page = f.Integer(required=True)
    per_page = f.Integer(required=True)
    total = f.Integer(required=True)
    pages = f.Integer(required=True)


class RankingQuery(PageQuery):
    group_id = Id(load_default=None, metadata={"description": "只看该分组"})
    live = f.Boolean(load_default=False, metadata={"description": "true：忽略已发布版本，实时计算（单位账号）"})
    grade = f.String(load_default=None, validate=Length(max=20), metadata={"description": "只看该等次"})


def _row(r: rk.RankRow) -> dict:
    return {"department_id": r.department_id, "department_name": r.department_name, "group_id": r.group_id,
            "group_name": r.group_name, "rank": r.rank, "overall_rank": r.overall_rank, "group_size": r.group_size,
            "total": dec(r.total), "grade": r.grade, "grade_by_score": r.grade_by_score,
            "areas": {k: dec(v) for k, v in r.areas.items()}, "base": dec(r.base), "bonus": dec(r.bonus),
            "late_deduction": dec(r.late_deduction), "late_days": r.late_days, "vetoes": list(r.vetoes),
            "submitted": r.submitted, "complete": r.complete, "capped": r.capped, "note": r.note}


def _publication(pub) -> dict | None:
    return None if pub is None else {"version": pub.version, "published_at": iso(pub.published_at), "reason": pub.reason}


@v1.get("/campaigns/<int:campaign_id>/ranking")
@roles(*TENANT_ROLES)
@v1.input(RankingQuery, location="query", arg_name="query")
@v1.output(RankingOut)
@v1.doc(tags=[TAG], summary="排名和等次", description="可按分组、等次筛选，分页。部门账号只看到已发布排名中本部门的一行。")
def ranking(campaign_id: int, query):
    campaign = load_campaign(campaign_id)
    if is_office_user():
        pub = rk.latest_publication(campaign)
        if query.get("live") or pub is None:
            rows, pub, live = rk.compute_ranking(campaign, group_id=query.get("group_id")), None, True
        else:
            rows, pub = rk.current_rows(campaign, group_id=query.get("group_id"))
            live = False
    else:
        pub = rk.latest_publication(campaign)
        live = False
        rows = [r for r in rk.frozen_rows(pub) if r.department_id == user().department_id] if pub else []
    counts = rk.grade_counts(rows)
    if query.get("grade"):
        rows = [r for r in rows if r.grade == query["grade"]]
    body = paginate(rows, query, _row)
    body.update({"campaign_id": campaign.id, "live": live, "publication": _publication(pub),
                 "grade_counts": dict(counts)})
    return body


class PublishIn(Schema):
    reason = f.String(load_default="", metadata={"description": "重新发布（更正）时必填"})


@v1.post("/campaigns/<int:campaign_id>/ranking/publish")
@roles(Role.OFFICE_ADMIN)
@v1.input(PublishIn, arg_name="data")
@v1.output(PublicationOut, status_code=201)
@v1.doc(tags=[TAG], summary="发布排名（冻结当前结果为新版本）", description="与页面相同的规则：评审开始后、评分全部完成；更正须写原因。")
def publish(campaign_id: int, data):
    campaign = load_campaign(campaign_id)
    require_office_user()
    pub = rk.publish_ranking(campaign, user(), data.get("reason") or "")
    commit()
    return _publication(pub), 201


@v1.get("/campaigns/<int:campaign_id>/ranking/publications")
@roles(*OFFICE_READERS)
@v1.input(PageQuery, location="query", arg_name="query")
@v1.output(page_of(PublicationOut, "PublicationPage"))
@v1.doc(tags=[TAG], summary="排名发布历史")
def publications(campaign_id: int, query):
    campaign = load_campaign(campaign_id)
    require_office_user()
    return paginate(rk.publications(campaign), query, _publication)



class ExportPath(Schema):
    campaign_id = f.Integer(required=True)
    kind = f.String(required=True, validate=OneOf(["ranking", "scores", "problems"]),
                    metadata={"description": "ranking：排名表；scores：得分明细；problems：问题清单"})
    fmt = f.String(required=True, validate=OneOf(["xlsx", "csv", "json"]))


class ExportQuery(Schema):
    group = Id(load_default=None, metadata={"description": "只导出该分组"})


@v1.get("/campaigns/<int:campaign_id>/ranking/export/<kind>.<fmt>")
@roles(*OFFICE_READERS)
@v1.input(ExportPath, location="path", arg_name="path")
@v1.input(ExportQuery, location="query", arg_name="query")
@v1.output(FileSchema(type="string", format="binary"), content_type="application/octet-stream",
           description="xlsx / csv / json 文件")
@v1.doc(tags=["文件下载"], summary="导出排名表、得分明细、问题清单（与页面导出相同）")
def export_ranking(campaign_id: int, kind: str, fmt: str, path, query):
    campaign = load_campaign(campaign_id)
    require_office_user()
    return rk_exports.download(campaign, kind, fmt, reader=user(), group_id=query["group"])  # the page's export: the same files
