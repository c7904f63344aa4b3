"""The workshops part of 乡村治理 over the API: 乡村车间, their recognition steps, employment,
monthly reports, criteria sheets, assessments and the statistics. Money in 分. Scoped like the
pages: outside the caller's villages is 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from cunwu.accounts.pages import need
from cunwu.accounts.permissions import has_perm_in
from cunwu.api.schemas import ERRORS, Date, Page, PageParams, Text, paginate
from cunwu.assets.models import Asset
from cunwu.core.models import Region
from cunwu.registry.models import Person

from .models_workshops import (
    Assessment,
    AssessmentSheet,
    Employment,
    MonthlyReport,
    Workshop,
    WorkshopStep,
)
from .selectors import workshops as selectors
from .services import workshops as services

router = Router()
VIEW = "village.view"


class WorkshopOut(Schema):
    id: int
    village: str
    village_name: str
    name: str
    operator: str
    operator_phone_masked: str
    premises: str
    asset: int | None
    products: str
    pay_model: str
    pay_model_label: str
    pay_note: str
    state: str
    state_label: str
    stage: str


class WorkshopIn(Schema):
    village: Text = Field(max_length=12)
    name: Text = Field(max_length=60)
    operator: Text = Field(max_length=60)
    operator_phone: Text = Field("", max_length=20)
    premises: Text = Field(max_length=200)
    asset: int | None = Field(None, ge=1, le=2**62)
    products: Text = Field(max_length=200)
    pay_model: Text = Field(max_length=12)
    pay_note: Text = Field("", max_length=200)


class WorkshopStepIn(Schema):
    kind: Text = Field(max_length=20)
    note: Text = Field("", max_length=300)


class WorkshopStepOut(Schema):
    id: int
    kind: str
    kind_label: str
    note: str
    at: dt.datetime


class WorkshopFileOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    step: int | None


class WorkshopEmploymentIn(Schema):
    person: int = Field(ge=1, le=2**62)
    start_on: Date


class WorkshopEmploymentEndIn(Schema):
    end_on: Date
    reason: Text = Field(max_length=200)


class WorkshopEmploymentOut(Schema):
    id: int
    workshop: int
    person: int
    person_name: str
    start_on: dt.date
    end_on: dt.date | None
    end_reason: str
    poverty: bool
    monitored: bool
    measure: int | None


class WorkshopReportIn(Schema):
    month: Date
    headcount: int = Field(ge=0, le=10_000)
    poverty_headcount: int = Field(ge=0, le=10_000)
    wages_fen: int = Field(ge=0, le=10**10)
    note: Text = Field("", max_length=200)
    supersedes: int | None = Field(None, ge=1, le=2**62)


class WorkshopReportOut(Schema):
    id: int
    workshop: int
    month: dt.date
    headcount: int
    poverty_headcount: int
    wages_fen: int
    note: str
    current: bool
    supersedes: int | None


class WorkshopDetailOut(WorkshopOut):
    steps: list[WorkshopStepOut]
    files: list[WorkshopFileOut]
    reports: list[WorkshopReportOut]


class WorkshopCriterionIn(Schema):
    name: Text = Field(max_length=100)
    max_score: int = Field(ge=1, le=1000)


class WorkshopCriterionOut(Schema):
    id: int
    order: int
    name: str
    max_score: int


class WorkshopSheetIn(Schema):
    region: Text = Field(max_length=12)
    year: int = Field(ge=2015, le=2100)
    name: Text = Field(max_length=60)
    criteria: list[WorkshopCriterionIn] = Field(min_length=1, max_length=30)


class WorkshopSheetOut(Schema):
    id: int
    region: str
    region_name: str
    year: int
    name: str
    active: bool
    criteria: list[WorkshopCriterionOut]


class WorkshopAssessmentIn(Schema):
    sheet: int = Field(ge=1, le=2**62)
    scores: dict[int, int] = Field(description="考核项目编号 → 得分")
    note: Text = Field("", max_length=300)


class WorkshopScoreOut(Schema):
    criterion: int
    name: str
    score: int
    max_score: int


class WorkshopAssessmentOut(Schema):
    id: int
    workshop: int
    sheet: int
    sheet_name: str
    total: int
    max_total: int
    grade: str
    note: str
    scores: list[WorkshopScoreOut]


class WorkshopStatsRowOut(Schema):
    code: str
    name: str
    recognised: int
    conditions: int
    none: int
    total: int
    employed: int
    employed_poverty: int
    employed_monitored: int
    idle_assets: int
    headcount: int
    wages_fen: int


class WorkshopStatsOut(Schema):
    region: str | None
    month: dt.date
    total: WorkshopStatsRowOut
    rows: list[WorkshopStatsRowOut]


class WorkshopFilter(PageParams):
    q: Text = Field("", max_length=50)
    village: Text = Field("", max_length=12)
    state: Text = Field("", max_length=12)


class WorkshopStatsFilter(Schema):
    region: Text = Field("", max_length=12)
    month: Date | None = None


def _workshop(w: Workshop) -> dict[str, Any]:
    return {"id": w.pk, "village": w.village_id, "village_name": w.village.name,
            "name": w.name, "operator": w.operator,
            "operator_phone_masked": w.operator_phone_masked, "premises": w.premises,
            "asset": w.asset_id, "products": w.products, "pay_model": w.pay_model,
            "pay_model_label": w.get_pay_model_display(), "pay_note": w.pay_note,
            "state": w.state, "state_label": w.get_state_display(), "stage": w.stage}  # fmt: skip


def _step(s: WorkshopStep) -> dict[str, Any]:
    return {"id": s.pk, "kind": s.kind, "kind_label": s.get_kind_display(), "note": s.note,
            "at": s.at}  # fmt: skip


def _employment(e: Employment) -> dict[str, Any]:
    return {"id": e.pk, "workshop": e.workshop_id, "person": e.person_id,
            "person_name": e.person.name, "start_on": e.start_on, "end_on": e.end_on,
            "end_reason": e.end_reason, "poverty": e.poverty, "monitored": e.monitored,
            "measure": e.measure_id}  # fmt: skip


def _report(r: MonthlyReport) -> dict[str, Any]:
    return {"id": r.pk, "workshop": r.workshop_id, "month": r.month, "headcount": r.headcount,
            "poverty_headcount": r.poverty_headcount, "wages_fen": r.wages_fen, "note": r.note,
            "current": r.current, "supersedes": r.supersedes_id}  # fmt: skip


def _sheet(s: AssessmentSheet) -> dict[str, Any]:
    return {"id": s.pk, "region": s.region_id, "region_name": s.region.name, "year": s.year,
            "name": s.name, "active": s.active,
            "criteria": [{"id": c.pk, "order": c.order, "name": c.name,
                          "max_score": c.max_score} for c in s.criteria.all()]}  # fmt: skip


def _assessment(a: Assessment) -> dict[str, Any]:
    return {"id": a.pk, "workshop": a.workshop_id, "sheet": a.sheet_id,
            "sheet_name": str(a.sheet), "total": a.total, "max_total": a.max_total,
            "grade": a.grade, "note": a.note,
            "scores": [{"criterion": s.criterion_id, "name": s.criterion.name, "score": s.score,
                        "max_score": s.criterion.max_score}
                       for s in a.scores.all()]}  # fmt: skip


def _row(r: selectors.StatsRow) -> dict[str, Any]:
    return {"code": r.code, "name": r.name, "recognised": r.recognised,
            "conditions": r.conditions, "none": r.none, "total": r.total,
            "employed": r.employed, "employed_poverty": r.employed_poverty,
            "employed_monitored": r.employed_monitored, "idle_assets": r.idle_assets,
            "headcount": r.headcount, "wages_fen": r.wages_fen}  # fmt: skip


def _data(body: WorkshopIn | Any, village: str) -> services.WorkshopData:
    asset = None
    if body.asset is not None:
        asset = Asset.objects.filter(pk=body.asset, village_id=village).first()
        if asset is None:
            from cunwu.core.errors import ApplicationError

            raise ApplicationError("asset_village", "只能选择本村的集体资产", field="asset")
    return services.WorkshopData(
        name=body.name, operator=body.operator, operator_phone=body.operator_phone,
        premises=body.premises, products=body.products, pay_model=body.pay_model,
        pay_note=body.pay_note, asset=asset,
    )  # fmt: skip


# ---------------------------------------------------------------- collection routes first


@router.get("/workshops", response={200: Page[WorkshopOut], **ERRORS}, summary="乡村车间",
            operation_id="workshop_list")  # fmt: skip
def workshop_list(request: HttpRequest, filters: Query[WorkshopFilter]) -> dict[str, Any]:
    need(request.user, VIEW)
    qs = selectors.workshops(user=request.user, q=filters.q, village=filters.village,
                             state=filters.state)  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_workshop(w) for w in page["items"]]
    return page


@router.post("/workshops", response={201: WorkshopOut, **ERRORS}, summary="登记乡村车间",
             operation_id="workshop_create")  # fmt: skip
def workshop_create(request: HttpRequest, body: WorkshopIn) -> Status[dict[str, Any]]:
    village = Region.objects.filter(code=body.village).first()
    if village is None or not has_perm_in(request.user, VIEW, village):
        raise Http404
    workshop = services.workshop_create(
        actor=request.user, village=village, data=_data(body, village.code)
    )
    return Status(201, _workshop(workshop))


@router.get("/workshops/stats", response={200: WorkshopStatsOut, **ERRORS}, summary="乡村车间统计",
            operation_id="workshop_stats")  # fmt: skip
def workshop_stats(request: HttpRequest, filters: Query[WorkshopStatsFilter]) -> dict[str, Any]:
    need(request.user, VIEW)
    stats = selectors.workshop_stats(user=request.user, region_code=filters.region or None,
                                     month=filters.month)  # fmt: skip
    return {"region": stats.region.code if stats.region else None, "month": stats.month,
            "total": _row(stats.total), "rows": [_row(r) for r in stats.rows]}  # fmt: skip


@router.get("/workshops/sheets", response={200: list[WorkshopSheetOut], **ERRORS},
            summary="车间考核表", operation_id="workshop_sheet_list")  # fmt: skip
def workshop_sheet_list(request: HttpRequest) -> list[dict[str, Any]]:
    need(request.user, VIEW)
    return [_sheet(s) for s in selectors.sheets(user=request.user)[:200]]


@router.post("/workshops/sheets", response={201: WorkshopSheetOut, **ERRORS},
             summary="制定车间考核表", operation_id="workshop_sheet_create")  # fmt: skip
def workshop_sheet_create(request: HttpRequest, body: WorkshopSheetIn) -> Status[dict[str, Any]]:
    region = Region.objects.filter(code=body.region).first()
    if region is None or not has_perm_in(request.user, VIEW, region):
        raise Http404
    sheet = services.sheet_create(
        actor=request.user, region=region, year=body.year, name=body.name,
        criteria=[(c.name, c.max_score) for c in body.criteria],
    )  # fmt: skip
    return Status(201, _sheet(sheet))


@router.post("/workshops/employments/{employment_id}/end",
             response={200: WorkshopEmploymentOut, **ERRORS}, summary="车间用工离职",
             operation_id="workshop_employment_end")  # fmt: skip
def workshop_employment_end(
    request: HttpRequest, employment_id: int, body: WorkshopEmploymentEndIn
) -> dict[str, Any]:
    employment = selectors.employment_get(user=request.user, pk=employment_id)
    employment = services.employment_end(actor=request.user, employment=employment,
                                         end_on=body.end_on, reason=body.reason)  # fmt: skip
    return _employment(employment)


# ---------------------------------------------------------------- one workshop


@router.get("/workshops/{workshop_id}", response={200: WorkshopDetailOut, **ERRORS},
            summary="车间详情", operation_id="workshop_detail")  # fmt: skip
def workshop_detail(request: HttpRequest, workshop_id: int) -> dict[str, Any]:
    w = selectors.workshop_get(user=request.user, pk=workshop_id)
    return {
        **_workshop(w),
        "steps": [_step(s) for s in selectors.steps(workshop=w)],
        "files": [{"id": f.pk, "name": f.original_name, "content_type": f.content_type,
                   "size": f.size, "step": f.step_id} for f in selectors.files(workshop=w)],
        "reports": [_report(r) for r in selectors.reports(workshop=w)],
    }  # fmt: skip


@router.post("/workshops/{workshop_id}/steps", response={201: WorkshopStepOut, **ERRORS},
             summary="办理认定环节", operation_id="workshop_step")  # fmt: skip
def workshop_step(
    request: HttpRequest, workshop_id: int, body: WorkshopStepIn
) -> Status[dict[str, Any]]:
    w = selectors.workshop_get(user=request.user, pk=workshop_id)
    step = services.workshop_step(actor=request.user, workshop=w, kind=body.kind, note=body.note)
    return Status(201, _step(step))


@router.get(
    "/workshops/{workshop_id}/employments",
    response={200: list[WorkshopEmploymentOut], **ERRORS},
    summary="车间用工",
    operation_id="workshop_employment_list",
)
def workshop_employment_list(request: HttpRequest, workshop_id: int) -> list[dict[str, Any]]:
    w = selectors.workshop_get(user=request.user, pk=workshop_id)
    return [_employment(e) for e in selectors.employments(user=request.user, workshop=w)]


@router.post(
    "/workshops/{workshop_id}/employments",
    response={201: WorkshopEmploymentOut, **ERRORS},
    summary="登记车间用工",
    operation_id="workshop_employment_start",
)
def workshop_employment_start(
    request: HttpRequest, workshop_id: int, body: WorkshopEmploymentIn
) -> Status[dict[str, Any]]:
    w = selectors.workshop_get(user=request.user, pk=workshop_id)
    person = get_object_or_404(
        Person.objects.select_related("household"), pk=body.person,
        household__village__code__startswith=w.county_code,
    )  # fmt: skip
    employment = services.employment_start(actor=request.user, workshop=w, person=person,
                                           start_on=body.start_on)  # fmt: skip
    return Status(201, _employment(employment))


@router.post("/workshops/{workshop_id}/reports", response={201: WorkshopReportOut, **ERRORS},
             summary="填报车间月报", operation_id="workshop_report_add")  # fmt: skip
def workshop_report_add(
    request: HttpRequest, workshop_id: int, body: WorkshopReportIn
) -> Status[dict[str, Any]]:
    w = selectors.workshop_get(user=request.user, pk=workshop_id)
    supersedes = None
    if body.supersedes is not None:
        supersedes = get_object_or_404(MonthlyReport, pk=body.supersedes, workshop=w)
    report = services.report_add(
        actor=request.user, workshop=w, month=body.month, headcount=body.headcount,
        poverty_headcount=body.poverty_headcount, wages_fen=body.wages_fen, note=body.note,
        supersedes=supersedes,
    )  # fmt: skip
    return Status(201, _report(report))


@router.get(
    "/workshops/{workshop_id}/assessments",
    response={200: list[WorkshopAssessmentOut], **ERRORS},
    summary="车间考核",
    operation_id="workshop_assessment_list",
)
def workshop_assessment_list(request: HttpRequest, workshop_id: int) -> list[dict[str, Any]]:
    w = selectors.workshop_get(user=request.user, pk=workshop_id)
    return [_assessment(a) for a in selectors.assessments(workshop=w)]


@router.post(
    "/workshops/{workshop_id}/assessments",
    response={201: WorkshopAssessmentOut, **ERRORS},
    summary="考核车间",
    operation_id="workshop_assessment_create",
)
def workshop_assessment_create(
    request: HttpRequest, workshop_id: int, body: WorkshopAssessmentIn
) -> Status[dict[str, Any]]:
    w = selectors.workshop_get(user=request.user, pk=workshop_id)
    sheet = next((s for s in selectors.sheets_for(user=request.user, workshop=w)
                  if s.pk == body.sheet), None)  # fmt: skip
    if sheet is None:
        if not has_perm_in(request.user, services.ASSESS, w.village_id):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("没有权限执行此操作")
        raise Http404
    assessment = services.assessment_record(actor=request.user, workshop=w, sheet=sheet,
                                            scores=body.scores, note=body.note)  # fmt: skip
    return Status(201, _assessment(assessment))
