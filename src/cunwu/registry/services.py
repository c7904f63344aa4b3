"""Writes of the registry: households, persons, life events and incomes.

Every function checks permission first, validates before it changes anything, and appends
its audit event in the same transaction.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from cunwu.accounts.permissions import has_perm_in, require
from cunwu.core.crypto import blind_index, decrypt_text, encrypt_text
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import mask_phone, normalize_phone
from cunwu.core.idnumber import (
    birth_date_from_id,
    gender_from_id,
    mask_id_number,
    validate_id_number,
)
from cunwu.core.models import Region, VillageGroup
from cunwu.core.services.audit import audit_append

from .models import (
    HEAD,
    HOUSEHOLD_TAGS,
    PERSON_DETAILS,
    RELATIONS,
    Household,
    HouseholdStatus,
    IncomeCategory,
    IncomeRecord,
    LifeEvent,
    LifeEventKind,
    Person,
    PersonStatus,
)

ID_CONTEXT = "person.id_number"
PHONE_CONTEXT = "person.phone"


# ---------------------------------------------------------------- validation


@dataclass
class PersonData:
    """What a form, an API call or a spreadsheet row says about a person, before validation."""

    name: str
    relation: str
    id_number: str = ""
    id_pending_reason: str = ""
    gender: str = ""
    birth_date: date | None = None
    phone: str = ""
    ethnicity: str = "汉族"
    education: str = ""
    school_stage: str = ""
    health: str = ""
    disability: str = ""
    labour_ability: str = ""
    work_status: str = ""
    work_place: str = ""
    medical_insurance: bool = False
    pension_insurance: bool = False


@dataclass
class CleanPerson:
    """A validated person: normalised ID number and phone, derived gender and birth date."""

    data: PersonData
    id_number: str = ""
    phone: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id_index(self) -> str | None:
        return blind_index(self.id_number, context=ID_CONTEXT) if self.id_number else None


def clean_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise ApplicationError("name_empty", "姓名不能为空", field="name")
    if len(name) > 50:
        raise ApplicationError("name_long", "姓名不能超过50个字", field="name")
    return name


def clean_relation(raw: str) -> str:
    relation = raw.strip()
    if relation not in RELATIONS:
        raise ApplicationError(
            "relation_invalid",
            f"与户主关系“{relation}”无效，可填：{'、'.join(RELATIONS)}",
            field="relation",
        )
    return relation


def clean_tags(tags: list[str] | str) -> str:
    """Tags as the stored delimited string ``|脱贫户|低保户|``; unknown tags are an error."""
    items = (
        tags if isinstance(tags, list) else tags.replace("，", "、").replace(",", "、").split("、")
    )
    seen: list[str] = []
    for raw in items:
        tag = raw.strip()
        if not tag:
            continue
        if tag not in HOUSEHOLD_TAGS:
            raise ApplicationError(
                "tag_invalid", f"户类型“{tag}”无效，可填：{'、'.join(HOUSEHOLD_TAGS)}", field="tags"
            )
        if tag not in seen:
            seen.append(tag)
    ordered = [t for t in HOUSEHOLD_TAGS if t in seen]
    return "|" + "|".join(ordered) + "|" if ordered else ""


def _replace_name_relation(data: PersonData, name: str, relation: str) -> PersonData:
    """``dataclasses.replace(data, name=…, relation=…)`` without its per-call look at the
    fields (a fifth of an import's validation time): a shallow copy, the caller's object
    stays as it was."""
    copy = object.__new__(PersonData)
    copy.__dict__.update(data.__dict__)
    copy.name = name
    copy.relation = relation
    return copy


def clean_person(data: PersonData, *, today: date | None = None) -> CleanPerson:
    """Validate one person. ID numbers follow GB 11643; a missing one needs a reason."""
    today = today or timezone.localdate()
    data = _replace_name_relation(data, clean_name(data.name), clean_relation(data.relation))
    clean = CleanPerson(data=data)
    if data.id_number.strip():
        clean.id_number = validate_id_number(data.id_number, today=today)
        data.gender = gender_from_id(clean.id_number)
        data.birth_date = birth_date_from_id(clean.id_number)
    else:
        if not data.id_pending_reason.strip():
            raise ApplicationError(
                "id_number_missing",
                "公民身份号码不能为空（暂无号码时请填写原因）",
                field="id_number",
            )
        if data.birth_date and data.birth_date > today:
            raise ApplicationError("birth_date_future", "出生日期不能晚于今天", field="birth_date")
        if data.gender and data.gender not in ("男", "女"):
            raise ApplicationError("gender_invalid", "性别只能填“男”或“女”", field="gender")
    if data.phone.strip():
        clean.phone = normalize_phone(data.phone)
    return clean


def _id_taken_message(existing: Person, actor: Any) -> str:
    if has_perm_in(actor, "registry.view", existing.household.village_id):
        return (
            f"公民身份号码已登记在{existing.household.village.name}"
            f"户{existing.household.number}（{existing.name}）"
        )
    return "公民身份号码已登记在其他户"


def _check_id_free(clean: CleanPerson, actor: Any, *, exclude: int | None = None) -> None:
    if not clean.id_number:
        return
    taken = Person.objects.filter(id_number_index=clean.id_index).select_related(
        "household__village"
    )
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    existing = taken.first()
    if existing is not None:
        raise ApplicationError(
            "id_number_duplicate", _id_taken_message(existing, actor), field="id_number"
        )


def person_fields(clean: CleanPerson) -> dict[str, Any]:
    """Model field values of a validated person (encrypting what must be encrypted)."""
    d = clean.data
    number = clean.id_number
    phone = clean.phone
    # one dict literal: an import calls this once per row
    return {
        "name": d.name,
        "relation": d.relation,
        "gender": d.gender,
        "birth_date": d.birth_date,
        "ethnicity": d.ethnicity.strip(),
        "education": d.education.strip(),
        "school_stage": d.school_stage.strip(),
        "health": d.health.strip(),
        "disability": d.disability.strip(),
        "labour_ability": d.labour_ability.strip(),
        "work_status": d.work_status.strip(),
        "work_place": d.work_place.strip(),
        "medical_insurance": d.medical_insurance,
        "pension_insurance": d.pension_insurance,
        "id_pending_reason": "" if number else d.id_pending_reason.strip(),
        "id_number_enc": encrypt_text(number, context=ID_CONTEXT) if number else "",
        "id_number_index": blind_index(number, context=ID_CONTEXT) if number else None,
        "id_masked": mask_id_number(number) if number else "",
        "id_tail": number[-6:] if number else "",
        "phone_enc": encrypt_text(phone, context=PHONE_CONTEXT) if phone else "",
        "phone_masked": mask_phone(phone) if phone else "",
    }


def person_id_number(person: Person) -> str:
    return decrypt_text(person.id_number_enc, context=ID_CONTEXT) if person.id_number_enc else ""


def person_phone(person: Person) -> str:
    return decrypt_text(person.phone_enc, context=PHONE_CONTEXT) if person.phone_enc else ""


def _audit_person(person: Person) -> dict[str, Any]:
    """What the audit chain records of a person: never the full ID number or phone."""
    return {
        "name": person.name,
        "relation": person.relation,
        "id_masked": person.id_masked,
        "household": person.household.number,
        "status": person.status,
    }


def _editable_household(actor: Any, household: Household) -> None:
    require(actor, "registry.edit", household.village)
    if household.status != HouseholdStatus.ACTIVE:
        raise ApplicationError("household_dissolved", f"户{household.number}已注销，不能再修改")


def _not_future(when: date) -> None:
    if when > timezone.localdate():
        raise ApplicationError("date_future", "日期不能晚于今天", field="date")


def _check_group(group: VillageGroup | None, village: Region) -> None:
    if group is not None and group.village_id != village.code:
        raise ApplicationError("group_other_village", "村民小组不属于本村", field="group")


def _record(
    household: Household,
    *,
    person: Person | None,
    kind: str,
    when: date,
    actor: Any,
    details: dict[str, Any] | None = None,
) -> LifeEvent:
    return LifeEvent.objects.create(
        household=household,
        person=person,
        kind=kind,
        date=when,
        details=details or {},
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _save_person(person: Person) -> None:
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:
        # a concurrent registration of the same ID number, or a second head: the constraint
        # named in the message (SQLite and PostgreSQL both name the column) tells which
        if "id_number_index" in str(exc):
            raise ApplicationError(
                "id_number_duplicate", "公民身份号码已登记在其他户", field="id_number"
            ) from exc
        if "one_active_head" in str(exc) or person.relation == HEAD:
            raise ApplicationError("head_exists", "该户已有户主", field="relation") from exc
        raise


# ---------------------------------------------------------------- households


@transaction.atomic
def household_create(
    *,
    actor: Any,
    village: Region,
    number: str,
    head: PersonData,
    group: VillageGroup | None = None,
    address: str = "",
    tags: list[str] | str = "",
    when: date | None = None,
) -> Household:
    """A new household with its head (户主). 户编号 is unique within the village."""
    require(actor, "registry.edit", village)
    if when is not None:
        _not_future(when)
    if not village.is_village:
        raise ApplicationError("not_a_village", "户只能建在村（社区）下", field="village")
    number = number.strip()
    if not number:
        raise ApplicationError("number_empty", "户编号不能为空", field="number")
    if len(number) > 30:
        raise ApplicationError("number_long", "户编号不能超过30个字符", field="number")
    _check_group(group, village)
    tag_value = clean_tags(tags)
    if head.relation.strip() != HEAD:
        raise ApplicationError("head_relation", "户主的“与户主关系”必须填“户主”", field="relation")
    clean = clean_person(head)
    _check_id_free(clean, actor)
    if Household.objects.filter(village=village, number=number).exists():
        raise ApplicationError("number_taken", f"户编号{number}在本村已存在", field="number")
    household = Household(
        village=village,
        county_code=village.code[:6],
        group=group,
        number=number,
        address=address.strip(),
        tags=tag_value,
    )
    try:
        with transaction.atomic():
            household.save()
    except IntegrityError as exc:
        raise ApplicationError(
            "number_taken", f"户编号{number}在本村已存在", field="number"
        ) from exc
    person = Person(household=household, county_code=household.county_code, **person_fields(clean))
    _save_person(person)
    when = when or timezone.localdate()
    _record(household, person=person, kind=LifeEventKind.REGISTERED, when=when, actor=actor)
    audit_append(
        actor=actor,
        region=village,
        action="registry.household_create",
        obj=household,
        payload={
            "number": number,
            "group": group.name if group else "",
            "tags": tag_value,
            "head": _audit_person(person),
        },
    )
    return household


@transaction.atomic
def household_update(
    *,
    actor: Any,
    household: Household,
    group: VillageGroup | None,
    address: str,
    tags: list[str] | str,
) -> Household:
    _editable_household(actor, household)
    _check_group(group, household.village)
    tag_value = clean_tags(tags)
    before = {
        "group": household.group.name if household.group else "",
        "address": household.address,
        "tags": household.tags,
    }
    household.group = group
    household.address = address.strip()
    household.tags = tag_value
    household.save(update_fields=["group", "address", "tags", "updated_at"])
    after = {"group": group.name if group else "", "address": household.address, "tags": tag_value}
    audit_append(
        actor=actor,
        region=household.village,
        action="registry.household_update",
        obj=household,
        payload={"before": before, "after": after},
    )
    return household


# ---------------------------------------------------------------- persons

ARRIVALS = {
    LifeEventKind.REGISTERED,
    LifeEventKind.BIRTH,
    LifeEventKind.MARRIAGE_IN,
    LifeEventKind.MOVE_IN,
}
DEPARTURES = {
    LifeEventKind.DEATH: PersonStatus.DECEASED,
    LifeEventKind.MARRIAGE_OUT: PersonStatus.MARRIED_OUT,
    LifeEventKind.MOVE_OUT: PersonStatus.MOVED_OUT,
}


@transaction.atomic
def person_add(
    *,
    actor: Any,
    household: Household,
    data: PersonData,
    kind: str = LifeEventKind.REGISTERED,
    when: date | None = None,
    note: str = "",
) -> Person:
    """A person joins a household: registration, birth (ID may be pending), marriage in, move in."""
    _editable_household(actor, household)
    if kind not in ARRIVALS:
        raise ApplicationError("kind_invalid", "不支持的人口变动类型")
    when = when or timezone.localdate()
    _not_future(when)
    clean = clean_person(data)
    _check_id_free(clean, actor)
    if (
        clean.data.relation == HEAD
        and household.members.filter(relation=HEAD, status=PersonStatus.ACTIVE).exists()
    ):
        raise ApplicationError("head_exists", "该户已有户主", field="relation")
    person = Person(household=household, county_code=household.county_code, **person_fields(clean))
    _save_person(person)
    _record(
        household,
        person=person,
        kind=kind,
        when=when,
        actor=actor,
        details={"note": note} if note else None,
    )
    audit_append(
        actor=actor,
        region=household.village,
        action=f"registry.person_{kind}",
        obj=person,
        payload={**_audit_person(person), "date": when.isoformat(), "note": note},
    )
    return person


@transaction.atomic
def person_update(
    *, actor: Any, person: Person, data: PersonData, clear_phone: bool = False
) -> Person:
    """Change a member's details. A new ID number must still be free; relation 户主 stays unique.

    A blank ID number or phone keeps the recorded one (forms never show them in full);
    ``clear_phone`` removes the phone number.
    """
    household = person.household
    _editable_household(actor, household)
    if person.status != PersonStatus.ACTIVE:
        raise ApplicationError("person_inactive", f"{person.name}已不在册，不能修改")
    if not data.id_number.strip() and not data.id_pending_reason.strip() and person.id_number_enc:
        data = dataclasses.replace(data, id_number=person_id_number(person))
    if not data.phone.strip() and person.phone_enc and not clear_phone:
        data = dataclasses.replace(data, phone=person_phone(person))
    clean = clean_person(data)
    _check_id_free(clean, actor, exclude=person.pk)
    if (
        clean.data.relation == HEAD
        and person.relation != HEAD
        and household.members.filter(relation=HEAD, status=PersonStatus.ACTIVE).exists()
    ):
        raise ApplicationError("head_exists", "该户已有户主", field="relation")
    if person.relation == HEAD and clean.data.relation != HEAD:
        raise ApplicationError(
            "head_required", "户主不能直接改为其他关系，请先将另一成员设为户主", field="relation"
        )
    before = _audit_person(person)
    had_id = bool(person.id_number_enc)
    old = _audited_fields(person)
    for name, value in person_fields(clean).items():
        setattr(person, name, value)
    _save_person(person)
    new = _audited_fields(person)
    if clean.id_number and not had_id:
        _record(
            household,
            person=person,
            kind=LifeEventKind.ID_ASSIGNED,
            when=timezone.localdate(),
            actor=actor,
        )
    audit_append(
        actor=actor,
        region=household.village,
        action="registry.person_update",
        obj=person,
        payload={
            "before": before,
            "after": _audit_person(person),
            "changed": _changes(old, new),
        },
    )
    return person


# Details of health and disability are personal data of a special kind: the chain, which can
# never be edited, records that they changed, not what they say.
_CHANGE_ONLY = {"health", "disability"}
AUDITED_PERSON_FIELDS = [
    "name", "relation", "id_masked", "id_pending_reason", "gender", "birth_date",
    "phone_masked", *PERSON_DETAILS,
]  # fmt: skip


def _audited_fields(person: Person) -> dict[str, Any]:
    return {f: getattr(person, f) for f in AUDITED_PERSON_FIELDS}


def _changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``{field: [before, after]}`` for what changed (``"已修改"`` for special categories)."""
    out: dict[str, Any] = {}
    for key in AUDITED_PERSON_FIELDS:
        if old[key] == new[key]:
            continue
        out[key] = "已修改" if key in _CHANGE_ONLY else [old[key], new[key]]
    return out


@transaction.atomic
def head_change(
    *, actor: Any, household: Household, new_head: Person, old_head_relation: str
) -> None:
    """Make another active member the head; the former head takes ``old_head_relation``."""
    _editable_household(actor, household)
    if new_head.household_id != household.pk or new_head.status != PersonStatus.ACTIVE:
        raise ApplicationError("not_member", f"{new_head.name}不是本户在册成员")
    relation = clean_relation(old_head_relation)
    if relation == HEAD:
        raise ApplicationError("relation_invalid", "原户主的新关系不能是“户主”", field="relation")
    old = household.members.filter(relation=HEAD, status=PersonStatus.ACTIVE).first()
    if old is not None and old.pk != new_head.pk:
        old.relation = relation
        old.save(update_fields=["relation", "updated_at"])
    new_head.relation = HEAD
    new_head.save(update_fields=["relation", "updated_at"])
    audit_append(
        actor=actor,
        region=household.village,
        action="registry.head_change",
        obj=household,
        payload={"new_head": new_head.name, "old_head": old.name if old else ""},
    )


@transaction.atomic
def person_leave(*, actor: Any, person: Person, kind: str, when: date, note: str = "") -> Person:
    """Death, marriage out or move out: the person stays on record with a new status.

    A head cannot leave while other members remain: name a new head first.
    When the last active member leaves, the household is dissolved (注销).
    """
    household = person.household
    _editable_household(actor, household)
    if kind not in DEPARTURES:
        raise ApplicationError("kind_invalid", "不支持的人口变动类型")
    if person.status != PersonStatus.ACTIVE:
        raise ApplicationError("person_inactive", f"{person.name}已不在册")
    if when > timezone.localdate():
        raise ApplicationError("date_future", "日期不能晚于今天", field="date")
    others = household.members.filter(status=PersonStatus.ACTIVE).exclude(pk=person.pk)
    if person.relation == HEAD and others.exists():
        raise ApplicationError("head_leaving", "户主变动前请先为本户指定新户主")
    updated = Person.objects.filter(pk=person.pk, status=PersonStatus.ACTIVE).update(
        status=DEPARTURES[LifeEventKind(kind)], updated_at=timezone.now()
    )
    if not updated:  # someone else recorded a departure first
        raise ApplicationError("person_inactive", f"{person.name}已不在册")
    person.refresh_from_db()
    _record(
        household,
        person=person,
        kind=kind,
        when=when,
        actor=actor,
        details={"note": note} if note else None,
    )
    if not others.exists():
        household.status = HouseholdStatus.DISSOLVED
        household.save(update_fields=["status", "updated_at"])
    audit_append(
        actor=actor,
        region=household.village,
        action=f"registry.person_{kind}",
        obj=person,
        payload={**_audit_person(person), "date": when.isoformat(), "note": note},
    )
    return person


def _move_member(person: Person, target: Household, relation: str) -> None:
    person.household = target
    person.county_code = target.county_code
    person.relation = relation
    _save_person(person)


@transaction.atomic
def person_transfer(
    *, actor: Any, person: Person, to_household: Household, relation: str, when: date
) -> Person:
    """Move a member into another household (an explicit transfer: one person, one household)."""
    source = person.household
    _editable_household(actor, source)
    _editable_household(actor, to_household)
    _not_future(when)
    if person.status != PersonStatus.ACTIVE:
        raise ApplicationError("person_inactive", f"{person.name}已不在册")
    if to_household.pk == source.pk:
        raise ApplicationError("same_household", "已在该户中")
    relation = clean_relation(relation)
    if (
        person.relation == HEAD
        and source.members.filter(status=PersonStatus.ACTIVE).exclude(pk=person.pk).exists()
    ):
        raise ApplicationError("head_leaving", "户主转出前请先为原户指定新户主")
    if (
        relation == HEAD
        and to_household.members.filter(relation=HEAD, status=PersonStatus.ACTIVE).exists()
    ):
        raise ApplicationError("head_exists", "目标户已有户主", field="relation")
    _move_member(person, to_household, relation)
    details = {"from": source.number, "to": to_household.number}
    _record(
        source, person=person, kind=LifeEventKind.TRANSFER, when=when, actor=actor, details=details
    )
    _record(
        to_household,
        person=person,
        kind=LifeEventKind.TRANSFER,
        when=when,
        actor=actor,
        details=details,
    )
    if not source.members.filter(status=PersonStatus.ACTIVE).exists():
        source.status = HouseholdStatus.DISSOLVED
        source.save(update_fields=["status", "updated_at"])
    audit_append(
        actor=actor,
        region=to_household.village,
        action="registry.person_transfer",
        obj=person,
        payload={**_audit_person(person), **details, "date": when.isoformat()},
    )
    if source.village_id != to_household.village_id:
        audit_append(
            actor=actor,
            region=source.village,
            action="registry.person_transfer",
            obj=person,
            payload={**_audit_person(person), **details, "date": when.isoformat()},
        )
    return person


@transaction.atomic
def household_split(
    *,
    actor: Any,
    household: Household,
    members: list[Person],
    new_head: Person,
    relations: dict[int, str],
    number: str,
    when: date,
) -> Household:
    """分户: some members form a new household in the same village, ``new_head`` at its head."""
    _editable_household(actor, household)
    _not_future(when)
    if new_head not in members:
        raise ApplicationError("head_not_member", "新户主必须是分出的成员之一")
    active = set(household.members.filter(status=PersonStatus.ACTIVE).values_list("pk", flat=True))
    if any(m.pk not in active for m in members):
        raise ApplicationError("not_member", "分出的成员必须是本户在册成员")
    if len(members) >= len(active):
        raise ApplicationError("split_all", "不能把全部成员分出，原户至少保留一人")
    remaining_head = household.members.filter(relation=HEAD, status=PersonStatus.ACTIVE).first()
    if remaining_head is not None and remaining_head in members:
        raise ApplicationError("head_leaving", "原户主不能分出，请先为原户指定新户主")
    number = number.strip()
    if not number:
        raise ApplicationError("number_empty", "新户编号不能为空", field="number")
    if Household.objects.filter(village=household.village, number=number).exists():
        raise ApplicationError("number_taken", f"户编号{number}在本村已存在", field="number")
    new = Household.objects.create(
        village=household.village,
        county_code=household.county_code,
        group=household.group,
        number=number,
        address=household.address,
        tags=household.tags,
    )
    # the new head first, so that the one-head constraint holds at every step
    ordered = [new_head] + [m for m in members if m.pk != new_head.pk]
    for member in ordered:
        relation = (
            HEAD if member.pk == new_head.pk else clean_relation(relations.get(member.pk, ""))
        )
        if relation == HEAD and member.pk != new_head.pk:
            raise ApplicationError("head_exists", "新户只能有一位户主", field="relation")
        _move_member(member, new, relation)
    details = {"from": household.number, "to": number, "members": [m.name for m in ordered]}
    _record(
        household, person=None, kind=LifeEventKind.SPLIT, when=when, actor=actor, details=details
    )
    _record(new, person=None, kind=LifeEventKind.SPLIT, when=when, actor=actor, details=details)
    audit_append(
        actor=actor,
        region=household.village,
        action="registry.household_split",
        obj=new,
        payload={**details, "date": when.isoformat()},
    )
    return new


@transaction.atomic
def household_merge(
    *, actor: Any, source: Household, target: Household, relations: dict[int, str], when: date
) -> Household:
    """合户: every active member of ``source`` joins ``target``; ``source`` is dissolved."""
    _editable_household(actor, source)
    _editable_household(actor, target)
    _not_future(when)
    if source.pk == target.pk:
        raise ApplicationError("same_household", "不能与自身合户")
    moving = list(source.members.filter(status=PersonStatus.ACTIVE))
    for member in moving:
        relation = clean_relation(relations.get(member.pk, ""))
        if relation == HEAD:
            raise ApplicationError(
                "head_exists", "目标户已有户主，并入成员不能为户主", field="relation"
            )
        _move_member(member, target, relation)
    source.status = HouseholdStatus.DISSOLVED
    source.save(update_fields=["status", "updated_at"])
    details = {"from": source.number, "to": target.number, "members": [m.name for m in moving]}
    _record(source, person=None, kind=LifeEventKind.MERGE, when=when, actor=actor, details=details)
    _record(target, person=None, kind=LifeEventKind.MERGE, when=when, actor=actor, details=details)
    audit_append(
        actor=actor,
        region=target.village,
        action="registry.household_merge",
        obj=target,
        payload={**details, "date": when.isoformat()},
    )
    if source.village_id != target.village_id:
        # the source village's chain must also show where its dissolved household went
        audit_append(
            actor=actor,
            region=source.village,
            action="registry.household_merge",
            obj=source,
            payload={**details, "date": when.isoformat()},
        )
    return target


@transaction.atomic
def person_reveal(*, actor: Any, person: Person) -> tuple[str, str]:
    """The full ID number and phone of one person: ``registry.view_full_id`` in the person's
    village only, and every reveal is itself an audit event (PIPL: who saw whose number)."""
    village = person.household.village
    require(actor, "registry.view_full_id", village)
    id_number = person_id_number(person)
    phone = person_phone(person)
    audit_append(
        actor=actor,
        region=village,
        action="registry.reveal_id",
        obj=person,
        payload={
            "name": person.name,
            "household": person.household.number,
            "id_masked": person.id_masked,
            "phone_masked": person.phone_masked,
        },
    )
    return id_number, phone


# ---------------------------------------------------------------- incomes


def per_capita_net_income(amounts: dict[str, int], members: int) -> int:
    """人均纯收入 in 分: (工资性+生产经营性+财产性+转移性−生产经营支出) ÷ 人口, half up."""
    if members <= 0:
        raise ApplicationError("no_members", "家庭人口为0，无法计算人均纯收入")
    total = sum(v for k, v in amounts.items() if k != IncomeCategory.BUSINESS_EXPENSE)
    net = total - amounts.get(IncomeCategory.BUSINESS_EXPENSE, 0)
    return int((Decimal(net) / Decimal(members)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@transaction.atomic
def income_set(
    *, actor: Any, household: Household, year: int, category: str, amount_fen: int, note: str = ""
) -> IncomeRecord:
    """Record one category of a year's income; a change keeps the old figure in the audit chain."""
    _editable_household(actor, household)
    if category not in IncomeCategory.values:
        raise ApplicationError("category_invalid", "收入类别无效", field="category")
    this_year = timezone.localdate().year
    if not 2000 <= year <= this_year:
        raise ApplicationError("year_invalid", f"年度应在2000至{this_year}之间", field="year")
    if amount_fen < 0:
        raise ApplicationError("amount_negative", "金额不能为负数", field="amount")
    if amount_fen > 100_000_000_00:
        raise ApplicationError("amount_too_large", "金额超过1亿元，请核对", field="amount")
    record = (
        IncomeRecord.objects.select_for_update()
        .filter(household=household, year=year, category=category)
        .first()
    )
    before = record.amount_fen if record else None
    if record is None:
        record = IncomeRecord.objects.create(
            household=household, year=year, category=category, amount_fen=amount_fen, note=note
        )
    else:
        record.amount_fen = amount_fen
        record.note = note
        record.save(update_fields=["amount_fen", "note", "updated_at"])
    audit_append(
        actor=actor,
        region=household.village,
        action="registry.income_set",
        obj=record,
        payload={
            "household": household.number,
            "year": year,
            "category": category,
            "before": before,
            "after": amount_fen,
        },
    )
    return record
