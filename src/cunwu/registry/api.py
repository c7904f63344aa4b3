"""The registry over the API: households, persons, incomes, groups.

Reads go through the scoped selectors (outside scope → 404), writes through the services
(no permission in scope → 403, bad input → 400 with the service's Chinese message and field).
A household, person or village named in a body is looked up in the caller's scope like one
named in the path: outside it, 404.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from django.db import transaction
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field, field_validator

from cunwu.accounts.permissions import has_perm_in
from cunwu.api.schemas import ERRORS, Date, Page, PageParams, Text, paginate
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import parse_yuan
from cunwu.core.models import Region, VillageGroup

from . import selectors, services
from .models import HEAD, HOUSEHOLD_TAGS, Household, Person, PersonStatus

router = Router(tags=["户籍人口"])

Arrival = Literal["registered", "birth", "marriage_in", "move_in"]
Departure = Literal["death", "marriage_out", "move_out"]
Category = Literal["wages", "business", "property", "transfer", "business_expense"]


# ---------------------------------------------------------------- schemas


class PersonIn(Schema):
    name: Text = Field(max_length=100)
    relation: Text = Field(max_length=20, description="与户主关系，如 户主、配偶、子")
    id_number: Text = Field("", max_length=40, description="公民身份号码（18位，或15位旧号）")
    id_pending_reason: Text = Field("", max_length=100, description="暂无号码的原因")
    gender: Text = Field("", max_length=2, description="男/女（有身份证号时由号码推出）")
    birth_date: Date | None = None
    phone: Text = Field("", max_length=40)
    ethnicity: Text = Field("汉族", max_length=20)
    education: Text = Field("", max_length=20)
    school_stage: Text = Field("", max_length=20)
    health: Text = Field("", max_length=50)
    disability: Text = Field("", max_length=50)
    labour_ability: Text = Field("", max_length=20)
    work_status: Text = Field("", max_length=20)
    work_place: Text = Field("", max_length=100)
    medical_insurance: bool = False
    pension_insurance: bool = False

    def data(self) -> services.PersonData:
        fields = {f.name for f in dataclasses.fields(services.PersonData)}
        return services.PersonData(**self.model_dump(include=fields))


class PersonAddIn(PersonIn):
    kind: Arrival = Field("registered", description="登记/出生/婚入/迁入")
    date: Date | None = Field(None, description="变动日期，默认今天")
    note: Text = Field("", max_length=200)


class PersonPatchIn(Schema):
    """Only the fields given change; ``null`` or a missing field keeps what is recorded.

    An empty ``id_number`` also keeps the recorded number; an empty ``phone`` removes it.
    """

    name: Text | None = Field(None, max_length=100)
    relation: Text | None = Field(None, max_length=20)
    id_number: Text | None = Field(None, max_length=40)
    id_pending_reason: Text | None = Field(None, max_length=100)
    gender: Text | None = Field(None, max_length=2)
    birth_date: Date | None = None
    phone: Text | None = Field(None, max_length=40)
    ethnicity: Text | None = Field(None, max_length=20)
    education: Text | None = Field(None, max_length=20)
    school_stage: Text | None = Field(None, max_length=20)
    health: Text | None = Field(None, max_length=50)
    disability: Text | None = Field(None, max_length=50)
    labour_ability: Text | None = Field(None, max_length=20)
    work_status: Text | None = Field(None, max_length=20)
    work_place: Text | None = Field(None, max_length=100)
    medical_insurance: bool | None = None
    pension_insurance: bool | None = None


class PersonOut(Schema):
    id: int
    household: int = Field(alias="household_id")
    name: str
    relation: str
    gender: str
    birth_date: Date | None
    id_masked: str = Field(description="脱敏身份证号，如 430423********1234")
    id_pending_reason: str
    phone_masked: str
    id_number: str | None = Field(None, description="完整号码，仅 full=1 且有权限时返回")
    phone: str | None = Field(None, description="完整电话，仅 full=1 且有权限时返回")
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
    status: str = Field(description="active 在册 / deceased / moved_out / married_out")


class HouseholdOut(Schema):
    id: int
    village: str = Field(alias="village_id")
    village_name: str = Field(alias="village.name")
    group: int | None = Field(alias="group_id")
    number: str = Field(description="户编号")
    address: str
    tags: list[str] = Field(alias="tag_list", description="户类型")
    status: str = Field(description="active 在册 / dissolved 已注销")
    head_name: str | None = None
    head_id_masked: str | None = None
    member_count: int | None = Field(None, description="在册人口")


class IncomeYearOut(Schema):
    year: int
    amounts: dict[str, int] = Field(description="各类收入（分），按类别")
    per_capita_net_income: int | None = Field(description="人均纯收入（分）；无在册人口时为空")


class LifeEventOut(Schema):
    kind: str
    kind_label: str
    date: Date
    person: str | None
    details: dict[str, Any]


class HouseholdDetailOut(HouseholdOut):
    group_name: str | None = None
    members: list[PersonOut]
    incomes: list[IncomeYearOut]
    life_events: list[LifeEventOut]


class HouseholdFilter(PageParams):
    q: Text = Field("", max_length=50, description="户编号、成员姓名或身份证号后几位")
    region: Text = Field("", max_length=12, description="区划代码（含下级）")
    group: int | None = Field(None, description="村民小组编号")
    tag: Text = Field("", max_length=10, description=f"户类型：{'、'.join(HOUSEHOLD_TAGS)}")
    status: Literal["active", "dissolved", "all"] = "active"

    @field_validator("tag")
    @classmethod
    def _known_tag(cls, value: str) -> str:
        if value and value not in HOUSEHOLD_TAGS:
            raise ValueError(f"户类型应为：{'、'.join(HOUSEHOLD_TAGS)}")
        return value


class HouseholdCreateIn(Schema):
    village: Text = Field(max_length=12, description="村（社区）区划代码")
    number: Text = Field(max_length=40, description="户编号，村内唯一")
    group: int | None = None
    address: Text = Field("", max_length=200)
    tags: list[Text] = Field(default_factory=list, max_length=10)
    head: PersonIn


class HouseholdPatchIn(Schema):
    """Only the fields given change; ``"group": null`` takes the household out of its group."""

    group: int | None = None
    address: Text | None = Field(None, max_length=200)
    tags: list[Text] | None = Field(None, max_length=10)


class HeadChangeIn(Schema):
    person: int = Field(description="新户主（本户在册成员）")
    old_head_relation: Text = Field(max_length=20, description="原户主改为的关系，如 配偶")


class LeaveIn(Schema):
    kind: Departure = Field(description="死亡/婚出/迁出")
    date: Date
    note: Text = Field("", max_length=200)


class TransferIn(Schema):
    to_household: int
    relation: Text = Field(max_length=20, description="在新户中与户主关系")
    date: Date


class SplitIn(Schema):
    members: list[int] = Field(min_length=1, max_length=50)
    new_head: int
    relations: dict[int, Text] = Field(default_factory=dict, description="其余分出成员的新关系")
    number: Text = Field(max_length=40, description="新户编号")
    date: Date


class MergeIn(Schema):
    target: int
    relations: dict[int, Text] = Field(default_factory=dict, description="并入成员的新关系")
    date: Date


class IncomeIn(Schema):
    amount_fen: int | None = Field(None, description="金额（分），整数")
    amount_yuan: Text | None = Field(None, max_length=30, description='金额（元），如 "1234.50"')
    note: Text = Field("", max_length=200)


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


def _household_in(request: HttpRequest, pk: int) -> Household:
    return selectors.household_get(actor=request.user, pk=pk)


def _group(request: HttpRequest, group_id: int | None, village: str) -> VillageGroup | None:
    if group_id is None:
        return None
    groups = selectors.village_groups(actor=request.user, village=village)
    group = groups.filter(pk=group_id).first()
    if group is None:
        raise ApplicationError("group_not_found", "村民小组不存在或不属于本村", field="group")
    return group


def _village(request: HttpRequest, code: str) -> Region:
    village = Region.objects.filter(code=code).first()
    if village is None or not has_perm_in(request.user, "registry.view", village):
        raise Http404("村不存在")
    return village


_PERSON_FIELDS = [f for f in PersonOut.model_fields if f not in {"household", "id_number", "phone"}]


def _person_out(person: Person, *, revealed: tuple[str, str] | None = None) -> dict[str, Any]:
    out = {f: getattr(person, f) for f in _PERSON_FIELDS}
    out["household_id"] = person.household_id
    out["id_number"], out["phone"] = revealed or (None, None)
    return out


def _patched(person: Person, body: PersonPatchIn) -> services.PersonData:
    """The person as recorded, with the fields the request gives."""
    recorded = services.PersonData(
        name=person.name,
        relation=person.relation,
        # blank numbers keep the recorded ones (see services.person_update)
        id_number="",
        id_pending_reason=person.id_pending_reason,
        gender=person.gender,
        birth_date=person.birth_date,
        phone="",
        ethnicity=person.ethnicity,
        education=person.education,
        school_stage=person.school_stage,
        health=person.health,
        disability=person.disability,
        labour_ability=person.labour_ability,
        work_status=person.work_status,
        work_place=person.work_place,
        medical_insurance=person.medical_insurance,
        pension_insurance=person.pension_insurance,
    )
    given = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    return dataclasses.replace(recorded, **given)


def _detail(request: HttpRequest, household: Household, *, full: bool = False) -> dict[str, Any]:
    if full and not has_perm_in(request.user, "registry.view_full_id", household.village_id):
        raise ApplicationError(
            "forbidden_full_id", "没有查看完整身份证号的权限", status=403, field="full"
        )
    members = list(selectors.household_members(household))
    active = sum(1 for m in members if m.status == PersonStatus.ACTIVE)
    if full:
        with transaction.atomic():  # every member's reveal event, or none
            people = [
                _person_out(m, revealed=services.person_reveal(actor=request.user, person=m))
                for m in members
            ]
    else:
        people = [_person_out(m) for m in members]
    head = next((m for m in members if m.relation == HEAD and m.status == "active"), None)
    return {
        "id": household.pk,
        "village_id": household.village_id,
        "village.name": household.village.name,
        "group_id": household.group_id,
        "number": household.number,
        "address": household.address,
        "tag_list": household.tag_list,
        "status": household.status,
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


# ---------------------------------------------------------------- households


@router.get("/households", response={200: Page[HouseholdOut], **ERRORS}, summary="户列表")
def household_list(request: HttpRequest, filters: Query[HouseholdFilter]) -> dict[str, Any]:
    """Households in the caller's scope, by village and 户编号; three queries per page."""
    qs = selectors.household_table(
        actor=request.user, q=filters.q, region=filters.region, group=filters.group,
        tag=filters.tag, status="" if filters.status == "all" else filters.status,
    )  # fmt: skip
    return paginate(qs, filters)


@router.get("/households/{int:pk}", response={200: HouseholdDetailOut, **ERRORS}, summary="户详情")
def household_detail(request: HttpRequest, pk: int, full: bool = False) -> dict[str, Any]:
    """Members with masked ID numbers and phones; ``full=1`` returns the full numbers, for roles
    holding ``registry.view_full_id`` in the village only (403 otherwise), and records a
    ``registry.reveal_id`` audit event per member."""
    return _detail(request, _household_in(request, pk), full=full)


@router.post("/households", response={201: HouseholdDetailOut, **ERRORS}, summary="新建户")
def household_create(request: HttpRequest, body: HouseholdCreateIn) -> Status[dict[str, Any]]:
    village = _village(request, body.village)
    household = services.household_create(
        actor=request.user, village=village, number=body.number,
        group=_group(request, body.group, village.code), address=body.address, tags=body.tags,
        head=body.head.data(),
    )  # fmt: skip
    return Status(201, _detail(request, household))


@router.patch(
    "/households/{int:pk}", response={200: HouseholdDetailOut, **ERRORS}, summary="修改户"
)
def household_update(request: HttpRequest, pk: int, body: HouseholdPatchIn) -> dict[str, Any]:
    household = _household_in(request, pk)
    given = body.model_dump(exclude_unset=True)
    group = (
        _group(request, body.group, household.village_id) if "group" in given else household.group
    )
    services.household_update(
        actor=request.user, household=household, group=group,
        address=body.address if body.address is not None else household.address,
        tags=body.tags if body.tags is not None else household.tag_list,
    )  # fmt: skip
    return _detail(request, household)


@router.post(
    "/households/{int:pk}/head", response={200: HouseholdDetailOut, **ERRORS}, summary="变更户主"
)
def head_change(request: HttpRequest, pk: int, body: HeadChangeIn) -> dict[str, Any]:
    household = _household_in(request, pk)
    person = selectors.person_get(actor=request.user, pk=body.person)
    services.head_change(
        actor=request.user, household=household, new_head=person,
        old_head_relation=body.old_head_relation,
    )  # fmt: skip
    return _detail(request, household)


@router.post(
    "/households/{int:pk}/persons", response={201: PersonOut, **ERRORS}, summary="添加成员"
)
def person_add(request: HttpRequest, pk: int, body: PersonAddIn) -> Status[dict[str, Any]]:
    household = _household_in(request, pk)
    person = services.person_add(
        actor=request.user, household=household, data=body.data(), kind=body.kind,
        when=body.date, note=body.note,
    )  # fmt: skip
    return Status(201, _person_out(person))


@router.post(
    "/households/{int:pk}/split", response={201: HouseholdDetailOut, **ERRORS}, summary="分户"
)
def household_split(request: HttpRequest, pk: int, body: SplitIn) -> Status[dict[str, Any]]:
    household = _household_in(request, pk)
    members = list(selectors.household_members(household).filter(pk__in=body.members))
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


@router.post(
    "/households/{int:pk}/merge", response={200: HouseholdDetailOut, **ERRORS}, summary="合户"
)
def household_merge(request: HttpRequest, pk: int, body: MergeIn) -> dict[str, Any]:
    """Every active member of this household joins ``target``; this household is dissolved."""
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
def income_set(request: HttpRequest, pk: int, year: int, category: Category, body: IncomeIn) -> Any:
    """The amount in 分 (``amount_fen``, an integer) or in 元 (``amount_yuan``, a string)."""
    household = _household_in(request, pk)
    if (body.amount_fen is None) == (body.amount_yuan is None):
        raise ApplicationError(
            "amount_missing", "请填写 amount_fen（分）或 amount_yuan（元）之一", field="amount"
        )
    amount = (
        body.amount_fen
        if body.amount_fen is not None
        else parse_yuan(body.amount_yuan or "", field="amount_yuan")
    )
    return services.income_set(
        actor=request.user, household=household, year=year, category=category,
        amount_fen=amount, note=body.note,
    )  # fmt: skip


# ---------------------------------------------------------------- persons


@router.patch("/persons/{int:pk}", response={200: PersonOut, **ERRORS}, summary="修改成员信息")
def person_update(request: HttpRequest, pk: int, body: PersonPatchIn) -> dict[str, Any]:
    person = selectors.person_get(actor=request.user, pk=pk)
    person = services.person_update(
        actor=request.user, person=person, data=_patched(person, body), clear_phone=body.phone == ""
    )
    return _person_out(person)


@router.post(
    "/persons/{int:pk}/leave", response={200: PersonOut, **ERRORS}, summary="死亡、婚出、迁出"
)
def person_leave(request: HttpRequest, pk: int, body: LeaveIn) -> dict[str, Any]:
    person = selectors.person_get(actor=request.user, pk=pk)
    person = services.person_leave(
        actor=request.user, person=person, kind=body.kind, when=body.date, note=body.note
    )
    return _person_out(person)


@router.post("/persons/{int:pk}/transfer", response={200: PersonOut, **ERRORS}, summary="转户")
def person_transfer(request: HttpRequest, pk: int, body: TransferIn) -> dict[str, Any]:
    person = selectors.person_get(actor=request.user, pk=pk)
    target = _household_in(request, body.to_household)
    person = services.person_transfer(
        actor=request.user, person=person, to_household=target, relation=body.relation,
        when=body.date,
    )  # fmt: skip
    return _person_out(person)


# ---------------------------------------------------------------- groups


@router.get("/groups", response={200: list[GroupOut], **ERRORS}, summary="村民小组")
def group_list(request: HttpRequest, village: Text) -> list[VillageGroup]:
    """The groups of one village; an empty list for a village outside the caller's scope."""
    return list(selectors.village_groups(actor=request.user, village=village))
