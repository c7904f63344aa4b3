"""防返贫监测 over the API (part: screening): the yearly policy, screening runs, department
imports and the alerts with their verification. Scoped like the pages: outside is 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field

from cunwu.api.schemas import ERRORS, Page, PageParams, Text, paginate
from cunwu.core.errors import ApplicationError

from . import sheets_screening as sheets
from .models import Alert, DepartmentImport, ScreeningRun
from .policy import FIELDS, Policy
from .selectors import screening as selectors
from .services import screening as services

router = Router()

Code = Field(pattern=r"^\d{12}$", description="区划代码")
DepartmentName = Literal[
    "medical", "civil", "disabled", "education", "housing", "labour", "emergency", "water"
]
StatusName = Literal["open", "confirmed", "dismissed", "case_opened"]


class MonScrPolicyOut(Schema):
    year: int
    region: str
    values: dict[str, int]
    sources: dict[str, str] = Field(description="各项取值来源的区划代码；缺省为默认值")
    defaulted: bool = Field(description="本年度未录入监测收入标准，沿用默认值")


class MonScrPolicyQuery(Schema):
    region: Text = Code


class MonScrPolicyIn(Schema):
    income_threshold_fen: int | None = Field(None, ge=-(2**40), le=2**40)
    income_drop_percent: int | None = Field(None, ge=-1000, le=1000)
    medical_expense_fen: int | None = Field(None, ge=-(2**40), le=2**40)
    rigid_expense_fen: int | None = Field(None, ge=-(2**40), le=2**40)
    identify_max_workdays: int | None = Field(None, ge=-1000, le=1000)
    verify_workdays: int | None = Field(None, ge=-1000, le=1000)
    compare_workdays: int | None = Field(None, ge=-1000, le=1000)
    appraise_workdays: int | None = Field(None, ge=-1000, le=1000)
    disclosure_days: int | None = Field(None, ge=-1000, le=1000)
    township_workdays: int | None = Field(None, ge=-1000, le=1000)
    county_workdays: int | None = Field(None, ge=-1000, le=1000)
    stable_months: int | None = Field(None, ge=-1000, le=1000)
    note: Text = Field("", max_length=200)


class MonScrRunIn(Schema):
    region: Text = Code
    year: int = Field(ge=2000, le=2100)


class MonScrRunOut(Schema):
    id: int
    region: str
    year: int
    status: str
    households: int
    alerts_created: int
    counts: dict[str, int]
    steps: int
    steps_done: int
    error: str
    started_at: dt.datetime
    finished_at: dt.datetime | None


class MonScrImportOut(Schema):
    id: int
    department: str
    region: str
    original_name: str
    sha256: str
    status: str
    total_rows: int
    matched_rows: int
    unmatched_rows: int
    invalid_rows: int
    duplicate_rows: int
    alerts_created: int
    created_at: dt.datetime
    finished_at: dt.datetime | None


class MonScrRowErrorOut(Schema):
    row: int
    column: str
    message: str


class MonScrAlertOut(Schema):
    id: int
    village: str
    village_name: str
    household: int
    household_number: str
    person_name: str
    department: str
    kind: str
    kind_label: str
    year: int
    amount_fen: int | None
    status: str
    status_label: str
    handled_note: str
    handled_at: dt.datetime | None
    case: int | None
    created_at: dt.datetime


class MonScrAlertFilter(PageParams):
    q: Text = Field("", max_length=50, description="户编号或姓名")
    village: Text = Field("", pattern=r"^\d{0,12}$")
    department: Literal[DepartmentName, "registry"] | None = None
    kind: Text = Field("", max_length=20)
    status: StatusName | None = None
    year: int | None = Field(None, ge=2000, le=2100)


class MonScrHandleIn(Schema):
    note: Text = Field(max_length=300)


class MonScrVillageCountOut(Schema):
    village: str
    village_name: str
    count: int


class MonScrVillageQuery(Schema):
    region: Text = Field("", pattern=r"^\d{0,12}$")


def _policy(region: str, p: Policy) -> dict[str, Any]:
    return {"year": p.year, "region": region, "values": {f: getattr(p, f) for f in FIELDS},
            "sources": p.sources, "defaulted": p.defaulted}  # fmt: skip


def _run(r: ScreeningRun) -> dict[str, Any]:
    return {"id": r.pk, "region": r.region_id, "year": r.year, "status": r.status,
            "households": r.households, "alerts_created": r.alerts_created,
            "counts": r.counts or {}, "steps": r.steps, "steps_done": r.steps_done,
            "error": r.error, "started_at": r.started_at,
            "finished_at": r.finished_at}  # fmt: skip


def _import(i: DepartmentImport) -> dict[str, Any]:
    return {"id": i.pk, "department": i.department, "region": i.region_id,
            "original_name": i.original_name, "sha256": i.sha256, "status": i.status,
            "total_rows": i.total_rows, "matched_rows": i.matched_rows,
            "unmatched_rows": i.unmatched_rows, "invalid_rows": i.invalid_rows,
            "duplicate_rows": i.duplicate_rows, "alerts_created": i.alerts_created,
            "created_at": i.created_at, "finished_at": i.finished_at}  # fmt: skip


def _alert(a: Alert) -> dict[str, Any]:
    return {"id": a.pk, "village": a.village_id, "village_name": a.village.name,
            "household": a.household_id, "household_number": a.household.number,
            "person_name": a.person.name if a.person else "", "department": a.department,
            "kind": a.kind, "kind_label": a.get_kind_display(), "year": a.year,
            "amount_fen": a.amount_fen, "status": a.status,
            "status_label": a.get_status_display(), "handled_note": a.handled_note,
            "handled_at": a.handled_at, "case": a.case_id,
            "created_at": a.created_at}  # fmt: skip


# ---------------------------------------------------------------- policy


@router.get("/policies", response={200: list[MonScrPolicyOut], **ERRORS}, summary="监测标准")
def policy_list(request: HttpRequest, query: Query[MonScrPolicyQuery]) -> list[dict[str, Any]]:
    region = selectors.region_get(actor=request.user, code=query.region, perm="monitoring.view")
    return [_policy(region.code, p) for p in selectors.policy_years(region=region)]


@router.put(
    "/policies/{region}/{int:year}", response={200: MonScrPolicyOut, **ERRORS},
    summary="设置监测标准（不传的项保持不变，传 null 清除）",
)  # fmt: skip
def policy_put(
    request: HttpRequest, region: str, year: int, body: MonScrPolicyIn
) -> dict[str, Any]:
    place = selectors.region_get(actor=request.user, code=region, perm="monitoring.policy")
    values = body.model_dump(exclude_unset=True)
    note = values.pop("note", "")
    services.policy_set(actor=request.user, region=place, year=year, note=note, **values)
    from .policy import policy_for

    return _policy(place.code, policy_for(place, year))


# ---------------------------------------------------------------- screening runs


@router.post("/screening-runs", response={201: MonScrRunOut, **ERRORS}, summary="启动筛查")
def run_start(request: HttpRequest, body: MonScrRunIn) -> Status[dict[str, Any]]:
    region = selectors.region_get(actor=request.user, code=body.region, perm="monitoring.screen")
    run = services.screening_start_background(actor=request.user, region=region, year=body.year)
    return Status(201, _run(selectors.run_get(actor=request.user, pk=run.pk)))


@router.get("/screening-runs", response={200: Page[MonScrRunOut], **ERRORS}, summary="筛查批次")
def run_list(request: HttpRequest, filters: Query[PageParams]) -> dict[str, Any]:
    page = paginate(selectors.run_list(actor=request.user), filters)
    page["items"] = [_run(r) for r in page["items"]]
    return page


@router.get("/screening-runs/{int:pk}", response={200: MonScrRunOut, **ERRORS}, summary="筛查进度")
def run_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _run(selectors.run_get(actor=request.user, pk=pk))


# ---------------------------------------------------------------- department imports


@router.post(
    "/imports", response={201: MonScrImportOut, **ERRORS},
    summary="上传部门数据（multipart：file、department、region）",
)  # fmt: skip
def import_upload(
    request: HttpRequest,
    file: Annotated[UploadedFile, File(..., description="xlsx 或 csv")],
    department: Form[DepartmentName],
    region: Form[Annotated[str, Field(pattern=r"^\d{12}$")]],
) -> Status[dict[str, Any]]:
    place = selectors.region_get(actor=request.user, code=region, perm="monitoring.import")
    if (file.size or 0) > sheets.MAX_UPLOAD_BYTES:
        raise ApplicationError("import_too_big", "文件不能超过20MB", field="file")
    record = services.department_import_background(
        actor=request.user, department=department, region=place, name=file.name or "",
        data=file.read(),
    )  # fmt: skip
    return Status(201, _import(selectors.import_get(actor=request.user, pk=record.pk)))


@router.get("/imports", response={200: Page[MonScrImportOut], **ERRORS}, summary="部门数据导入")
def import_list(request: HttpRequest, filters: Query[PageParams]) -> dict[str, Any]:
    page = paginate(selectors.import_list(actor=request.user), filters)
    page["items"] = [_import(i) for i in page["items"]]
    return page


@router.get("/imports/{int:pk}", response={200: MonScrImportOut, **ERRORS}, summary="导入结果")
def import_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _import(selectors.import_get(actor=request.user, pk=pk))


@router.get(
    "/imports/{int:pk}/errors", response={200: list[MonScrRowErrorOut], **ERRORS},
    summary="导入的错误、重复与未匹配行",
)  # fmt: skip
def import_errors(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    record = selectors.import_get(actor=request.user, pk=pk)
    return [{"row": int(e[0]), "column": str(e[1]), "message": str(e[2])}
            for e in record.errors or []]  # fmt: skip


# ---------------------------------------------------------------- alerts


@router.get("/alerts", response={200: Page[MonScrAlertOut], **ERRORS}, summary="筛查预警")
def alert_list(request: HttpRequest, filters: Query[MonScrAlertFilter]) -> dict[str, Any]:
    qs = selectors.alert_list(
        actor=request.user, q=filters.q.strip(), village=filters.village,
        department=filters.department or "", kind=filters.kind, status=filters.status or "",
        year=filters.year,
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_alert(a) for a in page["items"]]
    return page


@router.get(
    "/alerts/open-by-village", response={200: list[MonScrVillageCountOut], **ERRORS},
    summary="各村待核实预警数",
)  # fmt: skip
def alert_open_counts(request: HttpRequest, query: Query[MonScrVillageQuery]) -> list[Any]:
    rows = selectors.open_alerts_by_village(actor=request.user, region=query.region)
    return [
        {"village": r["village_id"], "village_name": r["village__name"], "count": r["count"]}
        for r in rows
    ]


@router.get("/alerts/{int:pk}", response={200: MonScrAlertOut, **ERRORS}, summary="预警详情")
def alert_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _alert(selectors.alert_get(actor=request.user, pk=pk))


@router.post(
    "/alerts/{int:pk}/confirm", response={200: MonScrAlertOut, **ERRORS}, summary="核实有风险"
)
def alert_confirm(request: HttpRequest, pk: int, body: MonScrHandleIn) -> dict[str, Any]:
    alert = selectors.alert_get(actor=request.user, pk=pk)
    services.alert_confirm(actor=request.user, alert=alert, note=body.note)
    return _alert(selectors.alert_get(actor=request.user, pk=pk))


@router.post(
    "/alerts/{int:pk}/dismiss", response={200: MonScrAlertOut, **ERRORS}, summary="核实无风险"
)
def alert_dismiss(request: HttpRequest, pk: int, body: MonScrHandleIn) -> dict[str, Any]:
    alert = selectors.alert_get(actor=request.user, pk=pk)
    services.alert_dismiss(actor=request.user, alert=alert, note=body.note)
    return _alert(selectors.alert_get(actor=request.user, pk=pk))
