"""Reads of the care part, scoped by ``village.care``: outside the caller's villages is 404.
Health and disability details are only read here, never on public pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.http import Http404

from cunwu.accounts.permissions import scope_q
from cunwu.registry.models import Person, PersonStatus

from ..models_care import CareRecord, CareVisit

CARE = "village.care"


def care_list(
    *, actor: Any, q: str = "", group: str = "", carer: int | None = None,
    status: str = "open", village: str = "",
) -> QuerySet[CareRecord]:  # fmt: skip
    qs = CareRecord.objects.filter(scope_q(actor, CARE)).select_related(
        "person", "person__household", "village", "carer_user"
    )
    if status == "open":
        qs = qs.filter(ended_on__isnull=True)
    elif status == "ended":
        qs = qs.filter(ended_on__isnull=False)
    if group:
        qs = qs.filter(group=group)
    if carer:
        qs = qs.filter(carer_user_id=carer)
    if village:
        qs = qs.filter(village__code__startswith=village)
    if q:
        qs = qs.filter(
            Q(person__name__icontains=q) | Q(person__household__number__icontains=q)
            | Q(carer_name__icontains=q)
        )  # fmt: skip
    return qs.annotate(last_visit=Max("visits__visited_on")).order_by("village", "group", "pk")


def due_on(record: CareRecord) -> date:
    """The day the next visit is due: last visit (or the start) plus the interval."""
    last = getattr(record, "last_visit", None)
    if last is None:
        last = record.visits.aggregate(m=Max("visited_on"))["m"]
    return (last or record.since) + timedelta(days=record.interval_days)


@dataclass
class OverdueRow:
    record: CareRecord
    last_visit: date | None
    due: date
    days_late: int


def overdue(
    *, actor: Any, on: date, group: str = "", carer: int | None = None, overdue_only: bool = True,
    village: str = "",
) -> list[OverdueRow]:  # fmt: skip
    """Open records by their next visit, the most overdue first: overdue when
    last visit + interval < ``on`` (or, never visited, since + interval < ``on``)."""
    out = []
    for r in care_list(actor=actor, group=group, carer=carer, village=village):
        due = due_on(r)
        late = (on - due).days
        if overdue_only and late <= 0:
            continue
        out.append(OverdueRow(r, getattr(r, "last_visit", None), due, late))
    out.sort(key=lambda row: (-row.days_late, row.record.pk))
    return out


def care_get(*, actor: Any, pk: int) -> CareRecord:
    found = (
        CareRecord.objects.filter(scope_q(actor, CARE), pk=pk)
        .select_related("person", "person__household", "village", "carer_user")
        .first()
    )
    if found is None:
        raise Http404("关爱记录不存在")
    return found


def visits_of(record: CareRecord) -> QuerySet[CareVisit]:
    return record.visits.select_related("visitor").order_by("-visited_on", "-pk")


def visit_list(*, actor: Any, record: CareRecord | None = None) -> QuerySet[CareVisit]:
    qs = CareVisit.objects.filter(scope_q(actor, CARE)).select_related("record", "visitor")
    if record is not None:
        qs = qs.filter(record=record)
    return qs.order_by("-visited_on", "-pk")


def person_get(*, actor: Any, pk: int) -> Person:
    found = (
        Person.objects.filter(scope_q(actor, CARE, "household__village"), pk=pk)
        .select_related("household")
        .first()
    )
    if found is None:
        raise Http404("人员不存在")
    return found


def _age(birth: date | None, on: date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def suggestions(*, actor: Any, on: date, village: str = "") -> list[tuple[Person, str, str]]:
    """Persons of the registry likely to need care, not yet under care in that group:
    (person, group, why). Children under 16 whose parents work away, persons of 60 and over
    living alone, persons with a disability recorded."""
    persons = Person.objects.filter(
        scope_q(actor, CARE, "household__village"), status=PersonStatus.ACTIVE
    ).select_related("household")
    if village:
        persons = persons.filter(household__village__code__startswith=village)
    open_pairs = set(
        CareRecord.objects.filter(scope_q(actor, CARE), ended_on__isnull=True).values_list(
            "person_id", "group"
        )
    )
    by_household: dict[int, list[Person]] = {}
    for p in persons:
        by_household.setdefault(p.household_id, []).append(p)
    out: list[tuple[Person, str, str]] = []
    for members in by_household.values():
        adults_away = [
            m for m in members if "外出" in m.work_status and (_age(m.birth_date, on) or 0) >= 18
        ]
        for p in members:
            age = _age(p.birth_date, on)
            if age is not None and age < 16 and adults_away:
                out.append((p, "child", "未满16岁，家中成年人外出务工"))
            if age is not None and age >= 60 and len(members) == 1:
                out.append((p, "elder", "60岁以上独居"))
            if p.disability.strip():
                out.append((p, "disabled", f"残疾情况：{p.disability}"))
    return [row for row in out if (row[0].pk, row[1]) not in open_pairs]


def carer_choices(village_id: str) -> QuerySet[Any]:
    """The users who may care for someone of the village: those holding village.care at the
    village or at a region above it."""
    from cunwu.accounts.models import RoleAssignment, User
    from cunwu.accounts.permissions import PERMISSIONS
    from cunwu.core.models import Region

    village = Region.objects.get(code=village_id)
    regions = [village.code]
    parent = village.parent
    while parent is not None:
        regions.append(parent.code)
        parent = parent.parent
    roles = [str(r) for r in PERMISSIONS["village.care"]]
    users = RoleAssignment.objects.filter(region_id__in=regions, role__in=roles).values("user")
    return User.objects.filter(pk__in=users, is_active=True).order_by("display_name", "username")
