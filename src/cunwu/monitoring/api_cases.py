"""防返贫监测 over the API (part: cases): identification and risk-elimination cases — list,
detail, open, each step's action, withdraw, the elimination criteria of a monitored household;
and, without authentication (rate limited), the household's own application and following a
case by its code. Scoped like the pages: outside the caller's villages is 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.files import UploadedFile
from ninja.params.functions import File as FileParam
from ninja.responses import Status
from pydantic import Field

from cunwu.api.schemas import ERRORS, Date, Page, PageParams, Text, paginate
from cunwu.core import ratelimit
from cunwu.core.errors import ApplicationError
from cunwu.disclosure.content import MAX_ATTACHMENT_BYTES

from .models import Alert, Case, Visit
from .selectors import cases as selectors
from .services import cases as services

router = Router(tags=["防返贫监测"])

MAX_ID = 2**62
KindName = Literal["identify", "eliminate"]
StageName = Literal["verify", "compare", "appraise", "disclose", "township", "county", "done"]
OutcomeName = Literal["open", "approved", "rejected", "withdrawn"]
SourceName = Literal["application", "cadre", "alert", "campaign", "proposal"]
CategoryName = Literal["unstable", "marginal", "sudden"]
RiskName = Literal[
    "illness", "education", "disability", "disaster", "accident", "industry", "employment",
    "labour", "housing", "water", "other",
]  # fmt: skip
CheckKey = Literal["food", "clothing", "education", "medical", "housing", "water"]
CompareKey = Literal["finance", "police", "housing", "vehicle", "social", "market"]


# ---------------------------------------------------------------- schemas


class MonCaseStepOut(Schema):
    id: int
    stage: str
    stage_label: str
    result: str
    result_label: str
    findings: str
    data: dict[str, Any]
    on: dt.date
    overdue: bool
    actor: str
    files: list[str]


class MonCaseOut(Schema):
    id: int
    code: str
    kind: str
    kind_label: str
    village: str
    village_name: str
    household: int
    household_number: str
    monitored: int | None
    source: str
    source_label: str
    category: str
    risk_types: list[str]
    applicant_name: str
    applicant_phone: str = Field(description="联系电话（部分隐藏）")
    commitment_signed: bool
    stage: str
    stage_label: str
    stage_due_on: dt.date | None
    outcome: str
    outcome_label: str
    outcome_reason: str
    opened_on: dt.date
    due_on: dt.date
    notice: int | None
    returns: int


class MonCaseDetailOut(MonCaseOut):
    description: str
    steps: list[MonCaseStepOut]


class MonCaseFilter(PageParams):
    q: Text = Field("", max_length=50, description="查询码、户编号或姓名")
    region: Text = Field("", max_length=12)
    kind: KindName | None = None
    stage: StageName | None = None
    outcome: OutcomeName | None = None
    source: SourceName | None = None
    overdue: bool = False


class MonCaseIn(Schema):
    household: int = Field(ge=1, le=MAX_ID)
    kind: KindName = "identify"
    source: SourceName
    category: CategoryName | Literal[""] = ""
    risk_types: list[RiskName] = Field(default_factory=list, max_length=11)
    description: Text = Field("", max_length=2000)
    applicant_name: Text = Field("", max_length=50)
    applicant_phone: Text = Field("", max_length=20)
    commitment_signed: bool = False
    alert: int | None = Field(None, ge=1, le=MAX_ID)
    visit: int | None = Field(None, ge=1, le=MAX_ID)
    on: Date | None = None


class MonCaseVerifyIn(Schema):
    passed: bool
    findings: Text = Field(max_length=2000)
    checks: dict[CheckKey, bool] = Field(default_factory=dict)
    income_estimate_fen: int | None = Field(None, ge=0, le=10**12)
    category: CategoryName | Literal[""] = ""
    risk_types: list[RiskName] | None = Field(None, max_length=11)
    on: Date | None = None


class MonCaseCompareIn(Schema):
    passed: bool
    findings: Text = Field("", max_length=2000)
    results: dict[CompareKey, bool] = Field(default_factory=dict)
    on: Date | None = None


class MonCaseAppraiseIn(Schema):
    members: int = Field(ge=1, le=10_000)
    present: int = Field(ge=0, le=10_000)
    votes_for: int = Field(ge=0, le=10_000)
    votes_against: int = Field(ge=0, le=10_000)
    findings: Text = Field("", max_length=2000)
    on: Date | None = None


class MonCaseDateIn(Schema):
    on: Date | None = None


class MonCaseTownshipIn(Schema):
    decision: Literal["pass", "fail", "return"]
    findings: Text = Field("", max_length=2000)
    on: Date | None = None


class MonCaseCountyIn(Schema):
    approved: bool
    findings: Text = Field("", max_length=2000)
    on: Date | None = None


class MonCaseWithdrawIn(Schema):
    reason: Text = Field(max_length=200)
    on: Date | None = None


class MonCriterionOut(Schema):
    name: str
    passed: bool
    reason: str


class MonEliminationCheckOut(Schema):
    monitored: int
    eligible: bool
    criteria: list[MonCriterionOut]


class MonCaseApplyIn(Schema):
    village: Text = Field(pattern=r"^\d{12}$", description="村的区划代码")
    name: Text = Field(max_length=50)
    id_number: Text = Field(max_length=20, description="户内一名成员的公民身份号码")
    phone: Text = Field(max_length=20)
    risk_types: list[RiskName] = Field(default_factory=list, max_length=11)
    description: Text = Field("", max_length=2000)
    commitment_signed: bool


class MonCasePublicStepOut(Schema):
    stage: str
    result: str
    on: dt.date


class MonCasePublicOut(Schema):
    code: str
    kind: str
    village_name: str
    stage: str
    outcome: str
    outcome_reason: str
    opened_on: dt.date
    due_on: dt.date
    closed_on: dt.date | None
    steps: list[MonCasePublicStepOut]


# ---------------------------------------------------------------- helpers


def _case(c: Case) -> dict[str, Any]:
    return {
        "id": c.pk, "code": c.code, "kind": c.kind, "kind_label": c.get_kind_display(),
        "village": c.village_id, "village_name": c.village.name, "household": c.household_id,
        "household_number": c.household.number, "monitored": c.monitored_id,
        "source": c.source, "source_label": c.get_source_display(), "category": c.category,
        "risk_types": list(c.risk_types), "applicant_name": c.applicant_name,
        "applicant_phone": c.applicant_phone_masked, "commitment_signed": c.commitment_signed,
        "stage": c.stage, "stage_label": c.get_stage_display(), "stage_due_on": c.stage_due_on,
        "outcome": c.outcome, "outcome_label": c.get_outcome_display(),
        "outcome_reason": c.outcome_reason, "opened_on": c.opened_on, "due_on": c.due_on,
        "notice": c.notice_id, "returns": c.returns,
    }  # fmt: skip


def _detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    c = selectors.case_get(actor=request.user, pk=pk)
    out = _case(c)
    out["description"] = c.description
    out["steps"] = [
        {"id": s.pk, "stage": s.stage, "stage_label": s.get_stage_display(), "result": s.result,
         "result_label": s.get_result_display(), "findings": s.findings, "data": s.data,
         "on": s.on, "overdue": s.overdue,
         "actor": (s.actor.display_name or s.actor.username) if s.actor else "系统",
         "files": [f.original_name for f in s.files.all()]}
        for s in selectors.case_steps(c)
    ]  # fmt: skip
    return out


def _get(request: HttpRequest, pk: int) -> Case:
    return selectors.case_get(actor=request.user, pk=pk)


# ---------------------------------------------------------------- cases


@router.get("/cases", response={200: Page[MonCaseOut], **ERRORS}, summary="识别与风险消除办件")
def case_list(request: HttpRequest, filters: Query[MonCaseFilter]) -> dict[str, Any]:
    qs = selectors.case_list(
        actor=request.user, q=filters.q, region=filters.region, kind=filters.kind or "",
        stage=filters.stage or "", outcome=filters.outcome or "", source=filters.source or "",
        overdue=filters.overdue,
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_case(c) for c in page["items"]]
    return page


@router.post("/cases", response={201: MonCaseDetailOut, **ERRORS}, summary="受理识别或提出风险消除")
def case_open(request: HttpRequest, body: MonCaseIn) -> Status[dict[str, Any]]:
    household = selectors.household_get(actor=request.user, pk=body.household)
    alert = visit = None
    if body.alert is not None:
        alert = Alert.objects.filter(pk=body.alert).first()
        if alert is None:
            raise ApplicationError("alert_not_found", "预警不存在", field="alert")
    if body.visit is not None:
        visit = Visit.objects.filter(pk=body.visit).first()
        if visit is None:
            raise ApplicationError("visit_not_found", "走访记录不存在", field="visit")
    case = services.case_open(
        actor=request.user, household=household, kind=body.kind, source=body.source,
        category=body.category, risk_types=body.risk_types, description=body.description,
        applicant_name=body.applicant_name, applicant_phone=body.applicant_phone,
        commitment_signed=body.commitment_signed, alert=alert, visit=visit, on=body.on,
    )  # fmt: skip
    return Status(201, _detail(request, case.pk))


@router.get("/cases/{int:pk}", response={200: MonCaseDetailOut, **ERRORS}, summary="办件详情")
def case_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _detail(request, pk)


@router.post("/cases/{int:pk}/verify", response={200: MonCaseDetailOut, **ERRORS},
             summary="入户核实")  # fmt: skip
def case_verify(request: HttpRequest, pk: int, body: MonCaseVerifyIn) -> dict[str, Any]:
    services.case_verify(
        actor=request.user, case=_get(request, pk), passed=body.passed, findings=body.findings,
        checks={str(k): v for k, v in body.checks.items()},
        income_estimate_fen=body.income_estimate_fen,
        category=body.category, risk_types=body.risk_types, on=body.on,
    )  # fmt: skip
    return _detail(request, pk)


@router.post("/cases/{int:pk}/compare", response={200: MonCaseDetailOut, **ERRORS},
             summary="信息比对")  # fmt: skip
def case_compare(request: HttpRequest, pk: int, body: MonCaseCompareIn) -> dict[str, Any]:
    services.case_compare(
        actor=request.user, case=_get(request, pk), passed=body.passed, findings=body.findings,
        results={str(k): v for k, v in body.results.items()}, on=body.on,
    )  # fmt: skip
    return _detail(request, pk)


@router.post("/cases/{int:pk}/appraise", response={200: MonCaseDetailOut, **ERRORS},
             summary="民主评议")  # fmt: skip
def case_appraise(request: HttpRequest, pk: int, body: MonCaseAppraiseIn) -> dict[str, Any]:
    services.case_appraise(
        actor=request.user, case=_get(request, pk), members=body.members, present=body.present,
        votes_for=body.votes_for, votes_against=body.votes_against, findings=body.findings,
        on=body.on,
    )  # fmt: skip
    return _detail(request, pk)


@router.post("/cases/{int:pk}/disclose", response={200: MonCaseDetailOut, **ERRORS},
             summary="发布村内公示")  # fmt: skip
def case_disclose(request: HttpRequest, pk: int, body: MonCaseDateIn) -> dict[str, Any]:
    services.case_disclose(actor=request.user, case=_get(request, pk), on=body.on)
    return _detail(request, pk)


@router.post("/cases/{int:pk}/township", response={200: MonCaseDetailOut, **ERRORS},
             summary="乡镇审核")  # fmt: skip
def case_township(request: HttpRequest, pk: int, body: MonCaseTownshipIn) -> dict[str, Any]:
    services.case_township(actor=request.user, case=_get(request, pk), decision=body.decision,
                           findings=body.findings, on=body.on)  # fmt: skip
    return _detail(request, pk)


@router.post("/cases/{int:pk}/county", response={200: MonCaseDetailOut, **ERRORS},
             summary="县级审定")  # fmt: skip
def case_county(request: HttpRequest, pk: int, body: MonCaseCountyIn) -> dict[str, Any]:
    services.case_county(actor=request.user, case=_get(request, pk), approved=body.approved,
                         findings=body.findings, on=body.on)  # fmt: skip
    return _detail(request, pk)


@router.post("/cases/{int:pk}/withdraw", response={200: MonCaseDetailOut, **ERRORS},
             summary="撤回办件")  # fmt: skip
def case_withdraw(request: HttpRequest, pk: int, body: MonCaseWithdrawIn) -> dict[str, Any]:
    services.case_withdraw(actor=request.user, case=_get(request, pk), reason=body.reason,
                           on=body.on)  # fmt: skip
    return _detail(request, pk)


class MonCaseFileOut(Schema):
    id: int
    step: int | None
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime


@router.post(
    "/cases/{int:pk}/files",
    response={201: list[MonCaseFileOut], **ERRORS},
    summary="补充办件附件（multipart：files，可多个）",
    description=(
        "承诺授权书、核实照片、评议记录等：PDF、PNG 或 JPEG，单个不超过10MB；"
        "附在最近一步，只增不换。"
    ),
)
def case_files_upload(
    request: HttpRequest,
    pk: int,
    files: Annotated[list[UploadedFile], FileParam(..., description="PDF、PNG 或 JPEG")],
) -> Status[list[dict[str, Any]]]:
    case = _get(request, pk)
    if any((f.size or 0) > MAX_ATTACHMENT_BYTES for f in files):
        raise ApplicationError("file_too_big", "附件不能超过10MB", field="files")
    added = services.case_file_add(
        actor=request.user, case=case, files=[(f.name or "附件", f.read()) for f in files]
    )
    return Status(201, [
        {"id": f.pk, "step": f.step_id, "original_name": f.original_name,
         "content_type": f.content_type, "size": f.size, "sha256": f.sha256,
         "uploaded_at": f.uploaded_at}
        for f in added
    ])  # fmt: skip


@router.get(
    "/monitored/{int:pk}/elimination-check",
    response={200: MonEliminationCheckOut, **ERRORS},
    summary="风险消除条件核查",
)
def elimination_check(request: HttpRequest, pk: int, query: Query[MonCaseDateIn]) -> dict[str, Any]:
    monitored = selectors.monitored_get(actor=request.user, pk=pk)
    from django.utils import timezone

    criteria = selectors.elimination_check(monitored, query.on or timezone.localdate())
    return {
        "monitored": monitored.pk, "eligible": all(c.passed for c in criteria),
        "criteria": [{"name": c.name, "passed": c.passed, "reason": c.reason} for c in criteria],
    }  # fmt: skip


# ---------------------------------------------------------------- public


def _public(c: Case) -> dict[str, Any]:
    return {
        "code": c.code, "kind": c.get_kind_display(), "village_name": c.village.name,
        "stage": c.get_stage_display(), "outcome": c.get_outcome_display(),
        "outcome_reason": c.outcome_reason if c.outcome == "rejected" else "",
        "opened_on": c.opened_on, "due_on": c.due_on,
        "closed_on": c.closed_at.date() if c.closed_at else None,
        "steps": selectors.public_steps(c),
    }  # fmt: skip


# mounted at /api/v1/public/monitoring beside the other public endpoints (api/api.py)
public_router = Router(auth=None, tags=["公开栏（无需认证）"])


@public_router.post(
    "/cases",
    auth=None,
    response={201: MonCasePublicOut, **ERRORS},
    tags=["公开栏（无需认证）"],
    summary="农户自主申报监测帮扶",
)
def public_apply(request: HttpRequest, body: MonCaseApplyIn) -> Status[dict[str, Any]]:
    ratelimit.hit(f"monitoring_apply:{ratelimit.client_ip(request)}", 10, 3600)
    case = services.case_apply_public(
        village_code=body.village, name=body.name, id_number=body.id_number, phone=body.phone,
        risk_types=body.risk_types, description=body.description,
        commitment_signed=body.commitment_signed,
    )  # fmt: skip
    return Status(201, _public(case))


@public_router.get(
    "/cases/{code}",
    auth=None,
    response={200: MonCasePublicOut, **ERRORS},
    tags=["公开栏（无需认证）"],
    summary="凭查询码查看申报办理情况",
)
def public_lookup(request: HttpRequest, code: Text) -> dict[str, Any]:
    ratelimit.hit(f"monitoring_track:{ratelimit.client_ip(request)}", 30, 600)
    return _public(selectors.public_case(code))
