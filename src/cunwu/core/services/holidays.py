"""The official holiday arrangement of a year (国务院办公厅关于××年部分节假日安排的通知).

chinese-calendar ships the years up to 2026; for a later year the county admin enters the
notice's holidays (放假) and make-up workdays (调休上班) once it is published (each November or
December). Entering a year chinese-calendar knows corrects single dates of its data.

``core`` imports no other app, so the caller passes ``authorize`` (normally
``cunwu.accounts.permissions.require``), which raises ``PermissionDenied`` unless the actor
holds ``core.manage_calendar`` over ``region``; ``region`` is also the chain the audit event
goes to (the admin's county).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone

from cunwu.core.errors import ApplicationError
from cunwu.core.models import CalendarSource, CalendarYear, HolidayDay, Region
from cunwu.core.workdays import (
    BUILTIN_YEARS,
    HOLIDAY,
    MAX_YEAR,
    MIN_YEAR,
    WORKDAY,
    builtin_special,
    forget_years,
    year_calendar,
)

from .audit import audit_append
from .groups import Authorize

PERMISSION = "core.manage_calendar"
MAX_NAME = 30
MAX_NOTE = 200
MAX_DAYS = 366
WEEKDAYS = "一二三四五六日"


class DayEntry(NamedTuple):
    """One line of the notice: a date, ``holiday`` or ``workday``, and the festival's name."""

    date: date
    kind: str
    name: str = ""


@dataclass(frozen=True)
class DayProblem:
    index: int  # position in the list of entries, from 0
    message: str


class HolidayDaysInvalid(ApplicationError):
    """Entries the service refuses, every problem with the position of its entry."""

    def __init__(self, problems: Sequence[DayProblem]) -> None:
        self.problems = list(problems)
        shown = "；".join(f"第{p.index + 1}项：{p.message}" for p in self.problems[:5])
        more = f"（共{len(self.problems)}处）" if len(self.problems) > 5 else ""
        super().__init__("holiday_days_invalid", shown + more, field="days")


@dataclass(frozen=True)
class YearSetResult:
    year: int
    holidays: int
    workdays: int
    changed: bool


def cn_day(d: date) -> str:
    """2027年3月3日（星期三）."""
    return f"{d.year}年{d.month}月{d.day}日（星期{WEEKDAYS[d.weekday()]}）"


def check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ApplicationError(
            "calendar_year_invalid", f"年份应在{MIN_YEAR}到{MAX_YEAR}之间", field="year"
        )


def holiday_days_problems(*, year: int, days: Sequence[DayEntry]) -> list[DayProblem]:
    """Every reason to refuse ``days`` as the arrangement of ``year``, in entry order.

    - each date lies in ``year``, once (a date both 放假 and 上班 is a conflict);
    - 调休上班 makes up for a holiday on a rest day, so it falls on a Saturday or Sunday
      (a weekday works anyway) — unless it cancels a holiday chinese-calendar lists;
    - 放假 on a Saturday or Sunday only means something inside a run of rest days that has a
      weekday off (e.g. 10月1日至7日), or when it cancels a make-up workday chinese-calendar
      lists; a weekend on its own is a rest day already.
    """
    problems: list[DayProblem] = []
    seen: dict[date, int] = {}
    for index, (d, kind, name) in enumerate(days):
        if kind not in (HOLIDAY, WORKDAY):
            problems.append(DayProblem(index, "类型应为“放假”或“上班”"))
        if len(name.strip()) > MAX_NAME:
            problems.append(DayProblem(index, f"名称不能超过{MAX_NAME}个字"))
        if d.year != year:
            problems.append(DayProblem(index, f"{cn_day(d)}不在{year}年内"))
            continue
        if d in seen:
            first = seen[d]
            if days[first].kind == kind:
                problems.append(DayProblem(index, f"{cn_day(d)}重复（第{first + 1}项已有）"))
            else:
                problems.append(
                    DayProblem(index, f"{cn_day(d)}不能既放假又上班（与第{first + 1}项冲突）")
                )
            continue
        seen[d] = index
    if len(days) > MAX_DAYS:
        problems.append(DayProblem(MAX_DAYS, f"一年至多{MAX_DAYS}天"))
    entered = {d: days[i].kind for d, i in seen.items()}
    for d, index in seen.items():
        kind = days[index].kind
        builtin = builtin_special(d)
        if kind == WORKDAY and d.weekday() < 5:
            if builtin is None or builtin.kind != HOLIDAY:
                problems.append(
                    DayProblem(
                        index,
                        f"{cn_day(d)}本来就是工作日，不能登记为调休上班"
                        "（调休上班一般在周六或周日）",
                    )
                )
        elif kind == HOLIDAY and d.weekday() >= 5:
            cancels_workday = builtin is not None and builtin.kind == WORKDAY
            if not cancels_workday and not _in_holiday_run(d, entered):
                problems.append(
                    DayProblem(
                        index,
                        f"{cn_day(d)}本来就是周末；周末只有在含工作日的连续假期内才登记为放假",
                    )
                )
    problems.sort(key=lambda p: p.index)
    return problems


def _in_holiday_run(d: date, entered: dict[date, str]) -> bool:
    """Whether the run of consecutive rest days around ``d`` has a weekday off in it."""

    def kind_of(day: date) -> str | None:
        if day in entered:
            return entered[day]
        if day.year != d.year:  # a run across New Year: the other year's arrangement
            other = year_calendar(day.year).entered.get(day)
            if other is not None:
                return other[0]
        builtin = builtin_special(day)
        return builtin.kind if builtin is not None else None

    for step in (timedelta(days=1), timedelta(days=-1)):
        day = d
        for _ in range(31):
            kind = kind_of(day)
            if kind == HOLIDAY and day.weekday() < 5:
                return True
            if kind == WORKDAY or (kind is None and day.weekday() < 5):
                break  # the run of rest days ends here
            day += step
    return False


def _source_after_clear(year: int) -> str:
    return CalendarSource.BUILTIN.value if year in BUILTIN_YEARS else "unknown"


def _user(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def holiday_year_set(
    *,
    actor: Any,
    region: Region,
    year: int,
    days: Sequence[DayEntry | tuple[date, str, str]],
    note: str = "",
    authorize: Authorize,
) -> YearSetResult:
    """Replace the entered days of ``year`` by ``days``, all at once, with one audit event.

    For a year chinese-calendar does not know, ``days`` is the whole arrangement and the year
    counts as known from then on; for a year it knows, ``days`` are corrections of single
    dates over its data. An empty ``days`` removes what was entered (an unknown year becomes
    unknown again). Nothing is written when nothing changes.
    """
    authorize(actor, PERMISSION, region)
    check_year(year)
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ApplicationError("calendar_note_long", f"依据不能超过{MAX_NOTE}个字", field="note")
    entries = [DayEntry(d, kind, name.strip()) for d, kind, name in days]
    problems = holiday_days_problems(year=year, days=entries)
    if problems:
        raise HolidayDaysInvalid(problems)

    source = CalendarSource.BUILTIN if year in BUILTIN_YEARS else CalendarSource.ENTERED
    now = timezone.now()
    user = _user(actor)
    # the year's row serialises two admins entering the same year at once
    _row, created = CalendarYear.objects.get_or_create(
        year=year, defaults={"source": source, "entered_at": now, "entered_by": user}
    )
    row = CalendarYear.objects.select_for_update().get(year=year)
    before = {
        (d, kind, name)
        for d, kind, name in HolidayDay.objects.filter(date__year=year).values_list(
            "date", "kind", "name"
        )
    }
    after = set(entries)
    holidays = sum(1 for e in entries if e.kind == HOLIDAY)
    result = YearSetResult(year, holidays, len(entries) - holidays, changed=True)
    if not created and before == after and row.note == note and entries:
        return YearSetResult(year, result.holidays, result.workdays, changed=False)

    forget_years([year])
    transaction.on_commit(lambda: forget_years([year]))
    HolidayDay.objects.filter(date__year=year).delete()
    if not entries:
        row.delete()
        if created and not before:
            return YearSetResult(year, 0, 0, changed=False)
    else:
        HolidayDay.objects.bulk_create(
            HolidayDay(date=d, kind=kind, name=name, entered_by=user, entered_at=now)
            for d, kind, name in sorted(entries)
        )
        CalendarYear.objects.filter(year=year).update(
            source=source, note=note, entered_by=user, entered_at=now
        )
    audit_append(
        actor=actor,
        region=region,
        action="core.holiday_year_set",
        object_type="core.calendaryear",
        object_id=str(year),
        payload={
            "year": year,
            # an emptied year falls back to chinese-calendar or to unknown
            "source": source.value if entries else _source_after_clear(year),
            "note": note,
            "holidays": result.holidays,
            "workdays": result.workdays,
            "days": [[d.isoformat(), kind, name] for d, kind, name in sorted(entries)],
        },
    )
    return result
