"""Working days under China's official holiday arrangement (国务院办公厅 notice of each year).

Where a date's status comes from, first match wins:

1. an entered :class:`~cunwu.core.models.HolidayDay` for that date (放假 or 调休上班);
2. chinese-calendar, for the years it ships (2004–2026 in 1.11): its holidays and make-up
   workdays;
3. the week: Monday to Friday work, Saturday and Sunday rest. For a year whose arrangement was
   entered (:class:`~cunwu.core.models.CalendarYear`) this is exact, since every exception was
   entered; for a year nobody knows it is a fallback, and :func:`calendar_warning` (or the
   ``warning`` of :func:`period`) says so, for the page to show.

Counting conventions (民法典 第二百零一条、第二百零三条):

- ``add_working_days(start, n)``: the day ``start`` itself never counts, whether or not it is
  a working day; the first working day *after* ``start`` is day 1, and the result is the n-th
  working day after ``start``. ``n = 0`` returns ``start`` unchanged (even on a holiday): the
  function is arithmetic, and :func:`roll_forward` is there for "this day or the next working
  day". So ``working_days_between(start, add_working_days(start, n)) == n`` for every n ≥ 0.
- ``working_days_between(a, b)``: how many working days ``d`` have ``a < d ≤ b`` (``a`` not
  counted, ``b`` counted); negative (the same count) when ``b`` is before ``a``.
- ``period_end(start, length, unit)``: the last day of a period that starts on ``start``,
  which itself does not count; the period closes at the end of the returned day.
  ``"working"``: the ``length``-th working day after ``start``. ``"natural"``:
  ``start + length`` days, moved to the next working day when that day is a holiday or a
  weekend (第二百零三条: a period whose last day is a statutory rest day ends on the day after
  the rest). ``length`` is at least 1.

Entered days are read once per year and kept in Django's cache (shared by the processes when
the deployment configures a shared cache); :func:`forget_years` drops them when a year changes.
Each call works on its own copy, so counting across a year reads the cache once, not per day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import chinese_calendar
from chinese_calendar.constants import Holiday
from django.core.cache import cache

from cunwu.core.models import CalendarYear, HolidayDay

Unit = Literal["natural", "working"]
Source = Literal["builtin", "entered", "unknown"]

HOLIDAY = "holiday"
WORKDAY = "workday"

# the years chinese-calendar has data for, read from its data (2004–2026 in 1.11)
BUILTIN_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)
# the years an arrangement may be entered for
MIN_YEAR = 2000
MAX_YEAR = 2100

_HOLIDAY_NAMES: dict[str, str] = {h.value: h.chinese for h in Holiday}
_CACHE_KEY = "cunwu:calendar:{}"
_CACHE_SECONDS = 3600


@dataclass(frozen=True)
class SpecialDay:
    """A date that is not what its weekday says, or a holiday that falls on a weekend."""

    date: date
    kind: str  # HOLIDAY or WORKDAY
    name: str
    source: Literal["builtin", "entered"]

    @property
    def kind_label(self) -> str:
        return "放假" if self.kind == HOLIDAY else "调休上班"


@dataclass(frozen=True)
class YearCalendar:
    """What the app knows of one year: where its arrangement comes from and the entered days."""

    year: int
    source: Source
    note: str = ""
    entered: Mapping[date, tuple[str, str]] = field(default_factory=dict)  # → (kind, name)

    @property
    def known(self) -> bool:
        return self.source != "unknown"


@dataclass(frozen=True)
class CalendarWarning:
    """Some dates fall in years whose arrangement nobody knows: counted by weekends only."""

    years: tuple[int, ...]

    @property
    def message(self) -> str:
        years = "、".join(f"{y}年" for y in self.years)
        return f"{years}的法定节假日安排尚未录入，暂按双休日计算，日期可能不准确"

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    warning: CalendarWarning | None


# ---------------------------------------------------------------- the year's data


def _load(year: int) -> YearCalendar:
    key = _CACHE_KEY.format(year)
    stored = cache.get(key)
    if stored is None:
        row = CalendarYear.objects.filter(year=year).values_list("source", "note").first()
        days = HolidayDay.objects.filter(date__year=year).values_list("date", "kind", "name")
        stored = (row, [(d.isoformat(), kind, name) for d, kind, name in days])
        cache.set(key, stored, _CACHE_SECONDS)
    row, days = stored
    entered = {date.fromisoformat(d): (kind, name) for d, kind, name in days}
    if row is not None:
        source: Source = row[0]
        note = row[1]
    else:
        source = "builtin" if year in BUILTIN_YEARS else "unknown"
        note = ""
    if source == "entered" and year in BUILTIN_YEARS:
        source = "builtin"  # chinese-calendar still supplies what was not entered
    return YearCalendar(year=year, source=source, note=note, entered=entered)


def forget_years(years: Iterable[int]) -> None:
    """Drop the cached data of ``years`` (after their entered days changed)."""
    cache.delete_many([_CACHE_KEY.format(y) for y in years])


class _Calendar:
    """The years one call looks at, each read once."""

    def __init__(self) -> None:
        self.years: dict[int, YearCalendar] = {}

    def year(self, year: int) -> YearCalendar:
        found = self.years.get(year)
        if found is None:
            found = self.years[year] = _load(year)
        return found

    def special(self, d: date) -> SpecialDay | None:
        entered = self.year(d.year).entered.get(d)
        if entered is not None:
            return SpecialDay(d, entered[0], entered[1], "entered")
        return builtin_special(d)

    def is_working(self, d: date) -> bool:
        entered = self.year(d.year).entered.get(d)
        if entered is not None:
            return entered[0] == WORKDAY
        if d.year in BUILTIN_YEARS:
            if d in chinese_calendar.workdays:
                return True
            if d in chinese_calendar.holidays:
                return False
        return d.weekday() < 5


def builtin_special(d: date) -> SpecialDay | None:
    """What chinese-calendar says of ``d`` when it is a holiday or a make-up workday."""
    if d.year not in BUILTIN_YEARS:
        return None
    if d in chinese_calendar.holidays:
        name = chinese_calendar.holidays[d]
        return SpecialDay(d, HOLIDAY, _HOLIDAY_NAMES.get(name, name), "builtin")
    if d in chinese_calendar.workdays:
        name = chinese_calendar.workdays[d]
        return SpecialDay(d, WORKDAY, _HOLIDAY_NAMES.get(name, name), "builtin")
    return None


def year_calendar(year: int) -> YearCalendar:
    return _Calendar().year(year)


def year_source(year: int) -> Source:
    """``builtin`` (chinese-calendar, perhaps with entered corrections), ``entered`` or
    ``unknown``."""
    return year_calendar(year).source


def year_known(year: int) -> bool:
    return year_calendar(year).known


def year_special_days(year: int) -> list[SpecialDay]:
    """The year's holidays and make-up workdays in date order, entered days over builtin ones."""
    calendar = _Calendar()
    days: dict[date, SpecialDay] = {}
    if year in BUILTIN_YEARS:
        for d in (*chinese_calendar.holidays, *chinese_calendar.workdays):
            if d.year == year:
                special = builtin_special(d)
                if special is not None:
                    days[d] = special
    for d, (kind, name) in calendar.year(year).entered.items():
        days[d] = SpecialDay(d, kind, name, "entered")
    return [days[d] for d in sorted(days)]


def calendar_warning(start: date, end: date) -> CalendarWarning | None:
    """A warning when a year from ``start`` to ``end`` (either order) is not known."""
    first, last = sorted((start.year, end.year))
    calendar = _Calendar()
    unknown = tuple(y for y in range(first, last + 1) if not calendar.year(y).known)
    return CalendarWarning(unknown) if unknown else None


# ---------------------------------------------------------------- counting


def is_working_day(d: date) -> bool:
    return _Calendar().is_working(d)


def roll_forward(d: date) -> date:
    """``d`` when it is a working day, else the first working day after it."""
    calendar = _Calendar()
    while not calendar.is_working(d):
        d += timedelta(days=1)
    return d


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after ``start`` (``start`` itself never counts; n = 0 → ``start``)."""
    if n < 0:
        raise ValueError("n must be at least 0")
    calendar = _Calendar()
    d = start
    while n:
        d += timedelta(days=1)
        if calendar.is_working(d):
            n -= 1
    return d


def working_days_between(a: date, b: date) -> int:
    """Working days ``d`` with ``a < d ≤ b``; the negative count of ``b < d ≤ a`` if b < a."""
    if b < a:
        return -working_days_between(b, a)
    calendar = _Calendar()
    count = 0
    d = a
    while d < b:
        d += timedelta(days=1)
        count += calendar.is_working(d)
    return count


def add_natural_days(start: date, n: int) -> date:
    """``start`` + n calendar days (holidays count like any day)."""
    return start + timedelta(days=n)


def period_end(start: date, length: int, unit: Unit) -> date:
    """The last day of a ``length``-day period beginning after ``start`` (see the module doc)."""
    if length < 1:
        raise ValueError("length must be at least 1")
    if unit == "working":
        return add_working_days(start, length)
    if unit == "natural":
        return roll_forward(add_natural_days(start, length))
    raise ValueError(f"unknown unit {unit!r}")


def period(start: date, length: int, unit: Unit) -> Period:
    """:func:`period_end` with the warning to show when the period crosses an unknown year."""
    end = period_end(start, length, unit)
    return Period(start=start, end=end, warning=calendar_warning(start, end))
