"""防返贫监测 over the API (part: monitored households and 脱贫户): the list with its filters, one
household (members with masked ID numbers, risks, state history), 帮扶责任人, risks added and
resolved, the plan; 脱贫户 records (list, set). Scoped like the pages: outside is 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.files import UploadedFile
from ninja.params.functions import File as FileParam
from ninja.responses import Status
from pydantic import Field

from cunwu.accounts.models import User
from cunwu.api.schemas import ERRORS, Date, Page, PageParams, Text, paginate
from cunwu.core.errors import ApplicationError

from .models import MonitoredHousehold, PovertyExit, RiskFactor
from .selectors import households as selectors
from .services import households as services

router = Router()

MAX_ID = 2**62
CategoryName = Literal["unstable", "marginal", "sudden"]
StateName = Literal["at_risk", "eliminated"]
RiskName = Literal[
    "illness", "education", "disability", "disaster", "accident", "industry", "employment",
    "labour", "housing", "water", "other",
]  # fmt: skip


# ---------------------------------------------------------------- schemas


class MonHhRiskOut(Schema):
    id: int
    risk_type: str
    risk_label: str
    note: str
    identified_on: dt.date
    resolved_on: dt.date | None
    resolved_note: str


class MonHhOut(Schema):
    id: int
    household: int
    number: str
    head_name: str
    village: str
    village_name: str
    category: str
    category_label: str
    state: str
    state_label: str
    identified_on: dt.date
    eliminated_on: dt.date | None
    cadre: int | None
    cadre_name: str
    cadre_phone: str = Field(description="帮扶责任人电话（部分隐藏）")
    no_labour: bool
    has_measure: bool = Field(description="今日有在实施的帮扶措施")
    open_risks: list[str]


class MonHhMemberOut(Schema):
    id: int
    name: str
    relation: str
    id_masked: str = Field(description="遮蔽后的身份证号")
    status: str


class MonHhChangeOut(Schema):
    state: str
    category: str
    on: dt.date
    case: str | None
    note: str


class MonHhDetailOut(MonHhOut):
    plan: str
    members: list[MonHhMemberOut]
    risks: list[MonHhRiskOut]
    history: list[MonHhChangeOut]


class MonHhFilter(PageParams):
    q: Text = Field("", max_length=50, description="户编号或家庭成员姓名")
    region: Text = Field("", max_length=12)
    category: CategoryName | None = None
    state: StateName | None = None
    risk: RiskName | None = None
    cadre: Text = Field("", max_length=50, description="帮扶责任人姓名")
    no_measure: bool = Field(False, description="只看帮扶措施未落实的风险未消除户")


class MonHhCadreIn(Schema):
    cadre: int | None = Field(None, ge=1, le=MAX_ID, description="系统用户id")
    name: Text = Field("", max_length=50, description="不是系统用户时的姓名")
    phone: Text = Field("", max_length=20)


class MonHhRiskIn(Schema):
    risk_type: RiskName
    note: Text = Field("", max_length=300)
    on: Date


class MonHhResolveIn(Schema):
    on: Date
    note: Text = Field(max_length=300)


class MonHhPlanIn(Schema):
    plan: Text = Field("", max_length=services.PLAN_LIMIT)
    no_labour: bool = False


class MonHhExitOut(Schema):
    id: int
    household: int
    number: str
    village: str
    village_name: str
    exit_year: int
    policies: list[str]
    note: str
    monitored: bool


class MonHhExitFilter(PageParams):
    q: Text = Field("", max_length=50)
    region: Text = Field("", max_length=12)
    year: int | None = Field(None, ge=1900, le=2100)
    policy: Text = Field("", max_length=20)
    monitored: bool | None = None


class MonHhExitIn(Schema):
    village: Text = Field(pattern=r"^\d{12}$", description="村的区划代码")
    number: Text = Field(min_length=1, max_length=30, description="户编号")
    exit_year: int = Field(ge=1900, le=2100)
    policies: list[Text] = Field(default_factory=list, max_length=20)
    note: Text = Field("", max_length=200)


class MonHhExitImportQuery(Schema):
    village: Text = Field(pattern=r"^\d{12}$", description="村的区划代码")


class MonHhExitImportOut(Schema):
    village: str
    count: int


# ---------------------------------------------------------------- helpers


def _risk(r: RiskFactor) -> dict[str, Any]:
    return {"id": r.pk, "risk_type": r.risk_type, "risk_label": r.get_risk_type_display(),
            "note": r.note, "identified_on": r.identified_on, "resolved_on": r.resolved_on,
            "resolved_note": r.resolved_note}  # fmt: skip


def _household(
    m: MonitoredHousehold, *, head: str, measured: bool, risks: list[str]
) -> dict[str, Any]:
    return {
        "id": m.pk, "household": m.household_id, "number": m.household.number,
        "head_name": head, "village": m.village_id, "village_name": m.village.name,
        "category": m.category, "category_label": m.get_category_display(), "state": m.state,
        "state_label": m.get_state_display(), "identified_on": m.identified_on,
        "eliminated_on": m.eliminated_on, "cadre": m.cadre_id, "cadre_name": m.cadre_name,
        "cadre_phone": m.cadre_phone_masked, "no_labour": m.no_labour, "has_measure": measured,
        "open_risks": risks,
    }  # fmt: skip


def _row(m: MonitoredHousehold) -> dict[str, Any]:
    """A row of ``selectors.monitored_list`` (annotated with the head, measure and risks)."""
    risks = [r.risk_type for r in getattr(m, "open_risks", [])]
    head = getattr(m, "head_name", None) or ""
    return _household(m, head=head, measured=bool(getattr(m, "has_measure", False)), risks=risks)


def _detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    row = selectors.monitored_list(actor=request.user).filter(pk=pk).first()
    if row is None:
        selectors.monitored_get(actor=request.user, pk=pk)  # 404 outside the scope
        raise ApplicationError("not_found", "监测对象不存在", status=404)
    out = _row(row)
    members = selectors.monitored_members(row)
    out["plan"] = row.plan
    out["members"] = [{"id": p.pk, "name": p.name, "relation": p.relation,
                       "id_masked": p.id_masked, "status": p.status} for p in members]  # fmt: skip
    out["risks"] = [_risk(r) for r in selectors.monitored_risks(row)]
    out["history"] = [{"state": h.state, "category": h.category, "on": h.on,
                       "case": h.case.code if h.case else None, "note": h.note}
                      for h in selectors.monitored_history(row)]  # fmt: skip
    return out


def _exit(e: PovertyExit) -> dict[str, Any]:
    return {"id": e.pk, "household": e.household_id, "number": e.household.number,
            "village": e.village_id, "village_name": e.village.name, "exit_year": e.exit_year,
            "policies": list(e.policies), "note": e.note,
            "monitored": bool(getattr(e, "is_monitored", False))}  # fmt: skip


# ---------------------------------------------------------------- monitored households


@router.get("/households", response={200: Page[MonHhOut], **ERRORS}, summary="监测对象列表")
def household_list(request: HttpRequest, filters: Query[MonHhFilter]) -> dict[str, Any]:
    qs = selectors.monitored_list(
        actor=request.user, q=filters.q, region=filters.region,
        category=filters.category or "", state=filters.state or "", risk=filters.risk or "",
        cadre=filters.cadre, no_measure=filters.no_measure,
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_row(m) for m in page["items"]]
    return page


@router.get(
    "/households/{int:pk}", response={200: MonHhDetailOut, **ERRORS}, summary="监测对象详情"
)
def household_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    selectors.monitored_get(actor=request.user, pk=pk)
    return _detail(request, pk)


@router.post(
    "/households/{int:pk}/cadre", response={200: MonHhDetailOut, **ERRORS}, summary="设置帮扶责任人"
)
def household_cadre(request: HttpRequest, pk: int, body: MonHhCadreIn) -> dict[str, Any]:
    monitored = selectors.monitored_get(actor=request.user, pk=pk)
    cadre = None
    if body.cadre is not None:
        cadre = User.objects.filter(pk=body.cadre, is_active=True).first()
        if cadre is None:
            raise ApplicationError("cadre_unknown", "没有这个用户", field="cadre")
    services.cadre_assign(
        actor=request.user, monitored=monitored, cadre=cadre, name=body.name, phone=body.phone
    )
    return _detail(request, pk)


@router.post(
    "/households/{int:pk}/risks", response={201: MonHhRiskOut, **ERRORS}, summary="新增风险"
)
def household_risk_add(request: HttpRequest, pk: int, body: MonHhRiskIn) -> Status[Any]:
    monitored = selectors.monitored_get(actor=request.user, pk=pk)
    risk = services.risk_add(
        actor=request.user, monitored=monitored, risk_type=body.risk_type, note=body.note,
        on=body.on,
    )  # fmt: skip
    return Status(201, _risk(risk))


@router.post("/risks/{int:pk}/resolve", response={200: MonHhRiskOut, **ERRORS}, summary="消除风险")
def risk_resolve(request: HttpRequest, pk: int, body: MonHhResolveIn) -> dict[str, Any]:
    risk = selectors.risk_get(actor=request.user, pk=pk)
    return _risk(services.risk_resolve(actor=request.user, risk=risk, on=body.on, note=body.note))


@router.post(
    "/households/{int:pk}/plan", response={200: MonHhDetailOut, **ERRORS}, summary="帮扶计划"
)
def household_plan(request: HttpRequest, pk: int, body: MonHhPlanIn) -> dict[str, Any]:
    monitored = selectors.monitored_get(actor=request.user, pk=pk)
    services.plan_set(
        actor=request.user, monitored=monitored, plan=body.plan, no_labour=body.no_labour
    )
    return _detail(request, pk)


# ---------------------------------------------------------------- 脱贫户


@router.get("/exits", response={200: Page[MonHhExitOut], **ERRORS}, summary="脱贫户列表")
def exit_list(request: HttpRequest, filters: Query[MonHhExitFilter]) -> dict[str, Any]:
    monitored = "" if filters.monitored is None else ("1" if filters.monitored else "0")
    qs = selectors.exit_list(
        actor=request.user, q=filters.q, region=filters.region, year=filters.year,
        policy=filters.policy, monitored=monitored,
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_exit(e) for e in page["items"]]
    return page


@router.post("/exits", response={200: MonHhExitOut, **ERRORS}, summary="登记脱贫户")
def exit_set(request: HttpRequest, body: MonHhExitIn) -> dict[str, Any]:
    household = selectors.household_by_number(
        actor=request.user, village=body.village, number=body.number
    )
    record = services.exit_record_set(
        actor=request.user, household=household, exit_year=body.exit_year,
        policies=list(body.policies), note=body.note,
    )  # fmt: skip
    row = selectors.exit_list(actor=request.user).filter(pk=record.pk).first()
    return _exit(row if row is not None else record)


@router.post(
    "/exits/import",
    response={201: MonHhExitImportOut, **ERRORS},
    summary="导入脱贫户（multipart：file）",
    description=(
        "表头：户编号、脱贫年度、保持政策（顿号分隔）。有任何错误时不导入，返回 422，"
        "`errors` 列出每处错误的 row、column、message、value。"
    ),
)
def exit_import(
    request: HttpRequest,
    params: Query[MonHhExitImportQuery],
    file: Annotated[UploadedFile, FileParam(..., description="xlsx 或 csv（UTF-8 或 GBK）")],
) -> Status[dict[str, Any]]:
    village = selectors.village_get(actor=request.user, code=params.village)
    if (file.size or 0) > services.EXIT_IMPORT_MAX_BYTES:
        raise ApplicationError("import_too_big", "文件不能超过4MB", field="file")
    result = services.exits_import(
        actor=request.user, village=village, file_name=file.name or "", data=file.read()
    )
    if result.errors:
        errors = [
            {"row": r, "column": c, "message": m, "value": v} for r, c, m, v in result.errors[:1000]
        ]
        row, column, message, _value = result.errors[0]
        first = f"第{row}行{column}：{message}"
        return Status(422, {
            "code": "exits_import_rows",
            "message": f"共{len(result.errors)}处错误，未导入任何脱贫户：{first}",
            "field": "file",
            "errors": errors,
        })  # fmt: skip
    return Status(201, {"village": village.code, "count": result.count})
