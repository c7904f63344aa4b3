"""防返贫监测 over the API (part: campaigns): survey campaigns (list, create, detail with the
coverage per village and township, close), their assignments (list, set), visits (list,
record) and the caller's households still to visit. Income estimates come in as 元 text and go
out in 分. Scoped like the pages: what lies outside the caller's villages is 404."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from cunwu.accounts.models import User
from cunwu.accounts.permissions import regions_in_scope, scope_q
from cunwu.api.schemas import ERRORS, Date, Page, PageParams, Text, paginate
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import parse_yuan
from cunwu.core.models import VillageGroup
from cunwu.registry.models import Household

from .models import Assignment, Campaign, Visit
from .selectors import campaigns as selectors
from .services import campaigns as services

router = Router(tags=["防返贫监测"])

MAX_ID = 2**62
KindName = Literal["review", "full"]
RiskName = Literal[
    "illness", "education", "disability", "disaster", "accident", "industry", "employment",
    "labour", "housing", "water", "other",
]  # fmt: skip
Code = Field(pattern=r"^\d{12}$", description="区划代码")


# ---------------------------------------------------------------- schemas


class MonCamCoverageRowOut(Schema):
    code: str
    name: str
    visited: int
    total: int = Field(description="在册户数")
    percent: int = Field(description="走访覆盖率（%）")


class MonCamCoverageOut(Schema):
    villages: list[MonCamCoverageRowOut]
    townships: list[MonCamCoverageRowOut]
    total: MonCamCoverageRowOut


class MonCamCampaignOut(Schema):
    id: int
    region: str
    region_name: str
    kind: str
    kind_label: str
    title: str
    start_on: dt.date
    end_on: dt.date
    closed_at: dt.datetime | None
    created_by: str


class MonCamCampaignDetailOut(MonCamCampaignOut):
    coverage: MonCamCoverageOut


class MonCamFilter(PageParams):
    q: Text = Field("", max_length=50, description="活动名称")
    kind: KindName | None = None
    status: Literal["open", "closed"] | None = None


class MonCamCampaignIn(Schema):
    region: Text = Code
    kind: KindName
    title: Text = Field(max_length=100)
    start_on: Date
    end_on: Date


class MonCamAssignmentOut(Schema):
    id: int
    village: str
    village_name: str
    group: int | None
    group_name: str
    cadre: int
    cadre_name: str


class MonCamAssignmentIn(Schema):
    village: Text = Code
    group: int | None = Field(None, ge=1, le=MAX_ID, description="村民小组；不填为全村")
    cadre: int = Field(ge=1, le=MAX_ID, description="排查人（用户）")


class MonCamVisitOut(Schema):
    id: int
    campaign: int
    household: int
    household_number: str
    head_name: str
    village: str
    village_name: str
    visitor: str
    visited_on: dt.date
    checks: dict[str, bool]
    secured: bool
    income_estimate_fen: int | None
    risk_types: list[str]
    note: str
    finding: bool = Field(description="发现风险或未保障项目")
    case: int | None


class MonCamVisitFilter(PageParams):
    q: Text = Field("", max_length=50)
    village: Text = Field("", max_length=12)
    findings: bool = False


class MonCamVisitIn(Schema):
    household: int = Field(ge=1, le=MAX_ID)
    visited_on: Date
    checks: dict[Text, bool] = Field(
        description="两不愁三保障及饮水：food, clothing, education, medical, housing, water",
        max_length=20,
    )
    income_estimate: Text | None = Field(None, max_length=20, description="年人均纯收入（元）")
    risk_types: list[RiskName] = Field(default_factory=list, max_length=20)
    note: Text = Field("", max_length=1000)


class MonCamHouseholdOut(Schema):
    id: int
    number: str
    head_name: str
    village: str
    village_name: str
    group: str
    visited: bool


class MonCamMineFilter(PageParams):
    q: Text = Field("", max_length=50)
    include_visited: bool = False


# ---------------------------------------------------------------- helpers


def _campaign(c: Campaign) -> dict[str, Any]:
    return {
        "id": c.pk, "region": c.region_id, "region_name": c.region.name, "kind": c.kind,
        "kind_label": c.get_kind_display(), "title": c.title, "start_on": c.start_on,
        "end_on": c.end_on, "closed_at": c.closed_at, "created_by": str(c.created_by),
    }  # fmt: skip


def _rows(rows: list[selectors.CoverageRow]) -> list[dict[str, Any]]:
    return [_row(r) for r in rows]


def _row(r: selectors.CoverageRow) -> dict[str, Any]:
    return {"code": r.code, "name": r.name, "visited": r.visited, "total": r.total,
            "percent": r.percent}  # fmt: skip


def _detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    campaign = selectors.campaign_get(actor=request.user, pk=pk)
    cov = selectors.coverage(campaign, actor=request.user)
    out = _campaign(campaign)
    out["coverage"] = {"villages": _rows(cov.villages), "townships": _rows(cov.townships),
                       "total": _row(cov.total)}  # fmt: skip
    return out


def _assignment(a: Assignment) -> dict[str, Any]:
    return {"id": a.pk, "village": a.village_id, "village_name": a.village.name,
            "group": a.group_id, "group_name": a.group.name if a.group else "全村",
            "cadre": a.cadre_id, "cadre_name": str(a.cadre)}  # fmt: skip


def _visit(v: Visit) -> dict[str, Any]:
    return {
        "id": v.pk, "campaign": v.campaign_id, "household": v.household_id,
        "household_number": v.household.number, "head_name": getattr(v, "head_name", None) or "",
        "village": v.village_id, "village_name": v.village.name, "visitor": str(v.visitor),
        "visited_on": v.visited_on, "checks": v.checks, "secured": v.secured,
        "income_estimate_fen": v.income_estimate_fen, "risk_types": v.risk_types,
        "note": v.note, "finding": selectors.is_finding(v), "case": v.case_id,
    }  # fmt: skip


# ---------------------------------------------------------------- campaigns


@router.get("/campaigns", response={200: Page[MonCamCampaignOut], **ERRORS}, summary="排查活动")
def campaign_list(request: HttpRequest, filters: Query[MonCamFilter]) -> dict[str, Any]:
    qs = selectors.campaign_list(
        actor=request.user, q=filters.q, kind=filters.kind or "", status=filters.status or ""
    ).select_related("created_by")
    page = paginate(qs, filters)
    page["items"] = [_campaign(c) for c in page["items"]]
    return page


@router.post(
    "/campaigns", response={201: MonCamCampaignDetailOut, **ERRORS}, summary="发起排查活动"
)
def campaign_create(request: HttpRequest, body: MonCamCampaignIn) -> Status[dict[str, Any]]:
    region = regions_in_scope(request.user, "monitoring.view").filter(code=body.region).first()
    if region is None:
        raise Http404("区划不存在")
    campaign = services.campaign_create(
        actor=request.user, region=region, kind=body.kind, title=body.title,
        start_on=body.start_on, end_on=body.end_on,
    )  # fmt: skip
    return Status(201, _detail(request, campaign.pk))


@router.get(
    "/campaigns/{int:pk}", response={200: MonCamCampaignDetailOut, **ERRORS}, summary="排查活动详情"
)
def campaign_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _detail(request, pk)


@router.post(
    "/campaigns/{int:pk}/close",
    response={200: MonCamCampaignDetailOut, **ERRORS},
    summary="结束排查活动",
)
def campaign_close(request: HttpRequest, pk: int) -> dict[str, Any]:
    campaign = selectors.campaign_get(actor=request.user, pk=pk)
    services.campaign_close(actor=request.user, campaign=campaign)
    return _detail(request, pk)


# ---------------------------------------------------------------- assignments


@router.get(
    "/campaigns/{int:pk}/assignments",
    response={200: list[MonCamAssignmentOut], **ERRORS},
    summary="排查分工",
)
def assignment_list(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    campaign = selectors.campaign_get(actor=request.user, pk=pk)
    return [
        _assignment(a) for a in selectors.assignment_list(actor=request.user, campaign=campaign)
    ]


@router.post(
    "/campaigns/{int:pk}/assignments",
    response={200: MonCamAssignmentOut, **ERRORS},
    summary="安排排查分工",
)
def assignment_set(request: HttpRequest, pk: int, body: MonCamAssignmentIn) -> dict[str, Any]:
    campaign = selectors.campaign_get(actor=request.user, pk=pk)
    village = regions_in_scope(request.user, "monitoring.view").filter(code=body.village).first()
    if village is None:
        raise Http404("村不存在")
    group = None
    if body.group is not None:
        group = VillageGroup.objects.filter(pk=body.group, village=village).first()
        if group is None:
            raise ApplicationError("assignment_group", "村民小组不属于该村", field="group")
    cadre = User.objects.filter(pk=body.cadre, is_active=True).first()
    if cadre is None:
        raise ApplicationError("assignment_cadre", "排查人不存在", field="cadre")
    assignment = services.assignment_set(
        actor=request.user, campaign=campaign, village=village, group=group, cadre=cadre
    )
    return _assignment(
        Assignment.objects.select_related("village", "group", "cadre").get(pk=assignment.pk)
    )


# ---------------------------------------------------------------- visits


@router.get(
    "/campaigns/{int:pk}/visits", response={200: Page[MonCamVisitOut], **ERRORS}, summary="走访记录"
)
def visit_list(request: HttpRequest, pk: int, filters: Query[MonCamVisitFilter]) -> dict[str, Any]:
    campaign = selectors.campaign_get(actor=request.user, pk=pk)
    qs = selectors.visit_list(
        actor=request.user, campaign=campaign, q=filters.q, village=filters.village,
        findings=filters.findings,
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_visit(v) for v in page["items"]]
    return page


@router.post(
    "/campaigns/{int:pk}/visits", response={201: MonCamVisitOut, **ERRORS}, summary="登记入户走访"
)
def visit_record(request: HttpRequest, pk: int, body: MonCamVisitIn) -> Status[dict[str, Any]]:
    campaign = selectors.campaign_get(actor=request.user, pk=pk)
    household = Household.objects.filter(
        scope_q(request.user, "monitoring.view"), pk=body.household
    ).first()
    if household is None:
        raise Http404("户不存在")
    raw = (body.income_estimate or "").strip()
    income = parse_yuan(raw, field="income_estimate") if raw else None
    visit = services.visit_record(
        actor=request.user, campaign=campaign, household=household,
        visited_on=body.visited_on, checks=dict(body.checks), income_estimate_fen=income,
        risk_types=list(body.risk_types), note=body.note,
    )  # fmt: skip
    return Status(201, _visit(selectors.visit_get(actor=request.user, pk=visit.pk)))


@router.get(
    "/campaigns/{int:pk}/my-households",
    response={200: Page[MonCamHouseholdOut], **ERRORS},
    summary="我的待走访户",
)
def my_households(
    request: HttpRequest, pk: int, filters: Query[MonCamMineFilter]
) -> dict[str, Any]:
    campaign = selectors.campaign_get(actor=request.user, pk=pk)
    qs = selectors.my_households(
        actor=request.user, campaign=campaign, q=filters.q,
        include_visited=filters.include_visited,
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [
        {"id": h.pk, "number": h.number, "head_name": getattr(h, "head_name", None) or "",
         "village": h.village_id, "village_name": h.village.name,
         "group": h.group.name if h.group else "", "visited": bool(getattr(h, "visited", False))}
        for h in page["items"]
    ]  # fmt: skip
    return page
