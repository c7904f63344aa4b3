"""The registry over the API: households, persons, incomes, groups.

Reads go through the scoped selectors (outside scope → 404), writes through the services
(permission → 403, bad input → 400 with the service's Chinese message and field).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status, codes_4xx
from pydantic import Field

from cunwu.accounts.permissions import has_perm_in
from cunwu.api.schemas import ErrorOut, Page, PageParams, paginate
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import parse_yuan
from cunwu.core.models import Region, VillageGroup

from . import selectors, services
from .models import Household, IncomeCategory, LifeEventKind, Person, PersonStatus

router = Router(tags=["户籍人口"])
ERRORS: dict[Any, Any] = {codes_4xx: ErrorOut}


# ---------------------------------------------------------------- schemas


class PersonIn(Schema):
    name: str = Field(max_length=100)
    relation: str = Field(max_length=20)
    id_number: str = Field("", max_length=40)
    id_pending_reason: str = Field("", max_length=100)
    gender: str = Field("", max_length=2)
    birth_date: dt.date | None = None
    phone: str = Field("", max_length=40)
    ethnicity: str = Field("汉族", max_length=20)
    education: str = Field("", max_length=20)
    school_stage: str = Field("", max_length=20)
    health: str = Field("", max_length=50)
    disability: str = Field("", max_length=50)
    labour_ability: str = Field("", max_length=20)
    work_status: str = Field("", max_length=20)
    work_place: str = Field("", max_length=100)
    medical_insurance: bool = False
    pension_insurance: bool = False

    def data(self) -> services.PersonData:
        return services.PersonData(**self.model_dump())


class PersonAddIn(PersonIn):
    kind: str = Field(LifeEventKind.REGISTERED, description="registered/birth/marriage_in/move_in")
    date: dt.date | None = None
    note: str = Field("", max_length=200)


class PersonOut(Schema):
    id: int
    name: str
    relation: str
    gender: str
    birth_date: dt.date | None
    id_masked: str
    id_pending_reason: str
    phone_masked: str
    id_number: str | None = None
    phone: str | None = None
    ethnicity: str
    education: str
    school_stage: str
    health: str
    disability: str
    labour_ability: str
    work_status: str
    work_place: str
    medical_insurance: bool
    pension_insurance: bool
    status: str


class HouseholdOut(Schema):
    id: int
    village: str = Field(alias="village_id")
    village_name: str = Field(alias="village.name")
    group: int | None = Field(alias="group_id")
    number: str
    address: str
    tags: list[str] = Field(alias="tag_list")
    status: str
    head_name: str | None = None
    head_id_masked: str | None = None
    member_count: int | None = None


class IncomeYearOut(Schema):
    year: int
    amounts: dict[str, int]
    per_capita_net_income: int | None


class LifeEventOut(Schema):
    kind: str
    kind_label: str
    date: dt.date
    person: str | None
    details: dict[str, Any]


class HouseholdDetailOut(HouseholdOut):
    group_name: str | None = None
    members: list[PersonOut]
    incomes: list[IncomeYearOut]
    life_events: list[LifeEventOut]


class HouseholdFilter(PageParams):
    q: str = Field("", max_length=50, description="户编号、成员姓名或身份证号后几位")
    region: str = Field("", max_length=12, description="区划代码（含下级）")
    group: int | None = None
    tag: str = Field("", max_length=10)
    status: str = Field("active", description="active / dissolved / all")


class HouseholdCreateIn(Schema):
    village: str = Field(max_length=12)
    number: str = Field(max_length=40)
    group: int | None = None
    address: str = Field("", max_length=200)
    tags: list[str] = Field(default_factory=list)
    head: PersonIn


class HouseholdPatchIn(Schema):
    group: int | None = None
    address: str | None = Field(None, max_length=200)
    tags: list[str] | None = None


class LeaveIn(Schema):
    kind: str = Field(description="death/marriage_out/move_out")
    date: dt.date
    note: str = Field("", max_length=200)


class TransferIn(Schema):
    to_household: int
    relation: str = Field(max_length=20)
    date: dt.date


class SplitIn(Schema):
    members: list[int] = Field(min_length=1)
    new_head: int
    relations: dict[int, str] = Field(default_factory=dict)
    number: str = Field(max_length=40)
    date: dt.date


class MergeIn(Schema):
    target: int
    relations: dict[int, str] = Field(default_factory=dict)
    date: dt.date


class IncomeIn(Schema):
    amount_fen: int | None = Field(None, description="金额（分）")
    amount_yuan: str | None = Field(None, max_length=30, description='金额（元），如 "1234.50"')
    note: str = Field("", max_length=200)


class IncomeOut(Schema):
    household: int = Field(alias="household_id")
    year: int
    category: str
    amount_fen: int
    note: str


class GroupOut(Schema):
    id: int
    village: str = Field(alias="village_id")
    name: str
    number: int


# ---------------------------------------------------------------- helpers


def _group(group_id: int | None, village: str) -> VillageGroup | None:
    if group_id is None:
        return None
    group = VillageGroup.objects.filter(pk=group_id, village_id=village).first()
    if group is None:
        raise ApplicationError("group_not_found", "村民小组不存在或不属于本村", field="group")
    return group


def _household_in(request: HttpRequest, pk: int) -> Household:
    return selectors.household_get(actor=request.user, pk=pk)


def _person_out(person: Person, *, full: bool, actor: Any) -> dict[str, Any]:
    out = {f: getattr(person, f) for f in PersonOut.model_fields if hasattr(person, f)}
    out["id"] = person.pk
    out["id_number"] = out["phone"] = None
    if full:
        out["id_number"], out["phone"] = services.person_reveal(actor=actor, person=person)
    return out


def _detail(request: HttpRequest, household: Household, *, full: bool = False) -> dict[str, Any]:
    members = list(selectors.household_members(household))
    active = sum(1 for m in members if m.status == PersonStatus.ACTIVE)
    reveal = full and has_perm_in(request.user, "registry.view_full_id", household.village_id)
    if full and not reveal:
        raise ApplicationError(
            "forbidden_full_id", "没有查看完整身份证号的权限", status=403, field="full"
        )
    with transaction.atomic():  # one transaction for the reveal events of every member
        people = [_person_out(m, full=reveal, actor=request.user) for m in members]
    head = next((m for m in members if m.relation == "户主" and m.status == "active"), None)
    return {
        **_household_fields(household),
        "group_name": household.group.name if household.group else None,
        "head_name": head.name if head else None,
        "head_id_masked": head.id_masked if head else None,
        "member_count": active,
        "members": people,
        "incomes": [
            {"year": y.year, "amounts": y.amounts, "per_capita_net_income": y.per_capita}
            for y in selectors.household_incomes(household=household, members=active)
        ],
        "life_events": [
            {
                "kind": e.kind,
                "kind_label": e.get_kind_display(),
                "date": e.date,
                "person": e.person.name if e.person else None,
                "details": e.details,
            }
            for e in selectors.household_life_events(household=household)
        ],
    }


def _household_fields(household: Household) -> dict[str, Any]:
    return {
        "id": household.pk,
        "village_id": household.village_id,
        "village.name": household.village.name,
        "group_id": household.group_id,
        "number": household.number,
        "address": household.address,
        "tag_list": household.tag_list,
        "status": household.status,
    }


# ---------------------------------------------------------------- households


@router.get("/households", response={200: Page[HouseholdOut], **ERRORS}, summary="户列表")
def household_list(request: HttpRequest, filters: Query[HouseholdFilter]) -> dict[str, Any]:
    status = "" if filters.status == "all" else filters.status
    qs = selectors.household_table(
        actor=request.user, q=filters.q, region=filters.region, group=filters.group,
        tag=filters.tag, status=status,
    )  # fmt: skip
    items, count = paginate(qs, filters)
    return {"items": items, "count": count, "page": filters.page, "page_size": filters.page_size}


@router.get("/households/{int:pk}", response={200: HouseholdDetailOut, **ERRORS}, summary="户详情")
def household_detail(request: HttpRequest, pk: int, full: bool = False) -> dict[str, Any]:
    """``full=true`` returns full ID numbers and phones (``registry.view_full_id``; audited)."""
    return _detail(request, _household_in(request, pk), full=full)


@router.post("/households", response={201: HouseholdDetailOut, **ERRORS}, summary="新建户")
def household_create(request: HttpRequest, body: HouseholdCreateIn) -> Status[dict[str, Any]]:
    village = Region.objects.filter(code=body.village).first()
    if village is None or not has_perm_in(request.user, "registry.view", village):
        raise ApplicationError("village_not_found", "村不存在或不在您的权限范围内", field="village")
    household = services.household_create(
        actor=request.user, village=village, number=body.number,
        group=_group(body.group, village.code), address=body.address, tags=body.tags,
        head=body.head.data(),
    )  # fmt: skip
    return Status(201, _detail(request, household))


@router.patch("/households/{int:pk}", response={200: HouseholdDetailOut, **ERRORS})
def household_update(request: HttpRequest, pk: int, body: HouseholdPatchIn) -> dict[str, Any]:
    household = _household_in(request, pk)
    given = body.model_dump(exclude_unset=True)
    group = _group(body.group, household.village_id) if "group" in given else household.group
    services.household_update(
        actor=request.user, household=household, group=group,
        address=body.address if body.address is not None else household.address,
        tags=body.tags if body.tags is not None else household.tag_list,
    )  # fmt: skip
    return _detail(request, household)


@router.post(
    "/households/{int:pk}/persons", response={201: PersonOut, **ERRORS}, summary="添加成员"
)
def person_add(request: HttpRequest, pk: int, body: PersonAddIn) -> Status[dict[str, Any]]:
    household = _household_in(request, pk)
    data = PersonIn(**body.model_dump(exclude={"kind", "date", "note"})).data()
    person = services.person_add(
        actor=request.user, household=household, data=data, kind=body.kind, when=body.date,
        note=body.note,
    )  # fmt: skip
    return Status(201, _person_out(person, full=False, actor=request.user))


@router.post("/households/{int:pk}/split", response={201: HouseholdDetailOut, **ERRORS})
def household_split(request: HttpRequest, pk: int, body: SplitIn) -> Status[dict[str, Any]]:
    household = _household_in(request, pk)
    members = list(household.members.filter(pk__in=body.members))
    if len(members) != len(set(body.members)):
        raise ApplicationError("not_member", "分出的成员必须是本户成员", field="members")
    new_head = next((m for m in members if m.pk == body.new_head), None)
    if new_head is None:
        raise ApplicationError("head_not_member", "新户主必须是分出的成员之一", field="new_head")
    new = services.household_split(
        actor=request.user, household=household, members=members, new_head=new_head,
        relations=body.relations, number=body.number, when=body.date,
    )  # fmt: skip
    return Status(201, _detail(request, new))


@router.post("/households/{int:pk}/merge", response={200: HouseholdDetailOut, **ERRORS})
def household_merge(request: HttpRequest, pk: int, body: MergeIn) -> dict[str, Any]:
    source = _household_in(request, pk)
    target = _household_in(request, body.target)
    services.household_merge(
        actor=request.user, source=source, target=target, relations=body.relations,
        when=body.date,
    )  # fmt: skip
    return _detail(request, target)


@router.put(
    "/households/{int:pk}/incomes/{int:year}/{category}",
    response={200: IncomeOut, **ERRORS},
    summary="登记某年某类收入",
)
def income_set(request: HttpRequest, pk: int, year: int, category: str, body: IncomeIn) -> Any:
    household = _household_in(request, pk)
    if category not in IncomeCategory.values:
        raise ApplicationError(
            "category_invalid", f"收入类别应为：{'、'.join(IncomeCategory.values)}",
            field="category",
        )  # fmt: skip
    if (body.amount_fen is None) == (body.amount_yuan is None):
        raise ApplicationError(
            "amount_missing", "请填写 amount_fen（分）或 amount_yuan（元）之一", field="amount"
        )
    amount = body.amount_fen if body.amount_fen is not None else parse_yuan(body.amount_yuan or "")
    return services.income_set(
        actor=request.user, household=household, year=year, category=category,
        amount_fen=amount, note=body.note,
    )  # fmt: skip


# ---------------------------------------------------------------- persons


@router.patch("/persons/{int:pk}", response={200: PersonOut, **ERRORS}, summary="修改成员信息")
def person_update(request: HttpRequest, pk: int, body: PersonIn) -> dict[str, Any]:
    person = selectors.person_get(actor=request.user, pk=pk)
    person = services.person_update(actor=request.user, person=person, data=body.data())
    return _person_out(person, full=False, actor=request.user)


@router.post(
    "/persons/{int:pk}/leave", response={200: PersonOut, **ERRORS}, summary="死亡、婚出、迁出"
)
def person_leave(request: HttpRequest, pk: int, body: LeaveIn) -> dict[str, Any]:
    person = selectors.person_get(actor=request.user, pk=pk)
    person = services.person_leave(
        actor=request.user, person=person, kind=body.kind, when=body.date, note=body.note
    )
    return _person_out(person, full=False, actor=request.user)


@router.post("/persons/{int:pk}/transfer", response={200: PersonOut, **ERRORS}, summary="转户")
def person_transfer(request: HttpRequest, pk: int, body: TransferIn) -> dict[str, Any]:
    person = selectors.person_get(actor=request.user, pk=pk)
    target = _household_in(request, body.to_household)
    person = services.person_transfer(
        actor=request.user, person=person, to_household=target, relation=body.relation,
        when=body.date,
    )  # fmt: skip
    return _person_out(person, full=False, actor=request.user)


# ---------------------------------------------------------------- groups


@router.get("/groups", response={200: list[GroupOut], **ERRORS}, summary="村民小组")
def group_list(request: HttpRequest, village: str) -> Any:
    return list(selectors.village_groups(actor=request.user, village=village))
