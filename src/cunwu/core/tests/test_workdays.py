"""Working days under the official holiday arrangement: exact dates around 2026's Spring
Festival and National Day, the fallback for a year nobody knows, entered data over the
builtin, and the counting conventions as properties."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import chinese_calendar
import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cunwu.core.models import Region
from cunwu.core.services.holidays import DayEntry, holiday_year_set
from cunwu.core.workdays import (
    BUILTIN_YEARS,
    CalendarWarning,
    add_natural_days,
    add_working_days,
    calendar_warning,
    is_working_day,
    period,
    period_end,
    roll_forward,
    working_days_between,
    year_known,
    year_source,
    year_special_days,
)
from cunwu.testing import HENGSHAN

pytestmark = pytest.mark.django_db

H, W = "holiday", "workday"


def _allow(actor: Any, perm: str, region: Region, /) -> None:
    """Tests of the calendar itself: the permission check has tests of its own."""


def _enter(year: int, days: list[tuple[date, str, str]]) -> None:
    region = Region.objects.get(code=HENGSHAN)
    holiday_year_set(actor=None, region=region, year=year, days=days, authorize=_allow)


# a plausible 2027 arrangement (the real one is published in late 2026)
ARRANGEMENT_2027 = [
    DayEntry(date(2027, 1, 1), H, "元旦"),
    DayEntry(date(2027, 1, 2), H, "元旦"),
    DayEntry(date(2027, 1, 3), H, "元旦"),
    *(DayEntry(date(2027, 2, 6) + timedelta(days=i), H, "春节") for i in range(9)),
    DayEntry(date(2027, 2, 20), W, "春节"),
]


def test_the_2026_arrangement_is_what_chinese_calendar_ships() -> None:
    """The dates the tests below rely on, read from the library itself."""
    national = [d for d, name in chinese_calendar.holidays.items() if name == "National Day"]
    assert sorted(d for d in national if d.year == 2026) == [date(2026, 10, d) for d in range(1, 8)]
    assert sorted(d for d in chinese_calendar.workdays if d.year == 2026) == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    assert sorted(
        d for d, n in chinese_calendar.holidays.items() if n == "Spring Festival" and d.year == 2026
    ) == [date(2026, 2, d) for d in range(15, 24)]
    assert range(2004, 2027) == BUILTIN_YEARS


def test_national_day_2026() -> None:
    assert is_working_day(date(2026, 9, 30))
    assert not any(is_working_day(date(2026, 10, d)) for d in range(1, 8))
    assert is_working_day(date(2026, 10, 10))  # Saturday, make-up workday
    assert not is_working_day(date(2026, 10, 11))
    # 10-08 Thu (1), 10-09 Fri (2), 10-10 Sat (3), 10-12 Mon (4), 10-13 Tue (5)
    assert add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert add_working_days(date(2026, 10, 3), 3) == date(2026, 10, 10)
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 13)) == 5
    assert working_days_between(date(2026, 10, 13), date(2026, 9, 30)) == -5
    assert working_days_between(date(2026, 10, 1), date(2026, 10, 7)) == 0
    # Sunday 09-20 works, the Mid-Autumn days 09-25..27 do not
    assert is_working_day(date(2026, 9, 20))
    assert add_working_days(date(2026, 9, 24), 1) == date(2026, 9, 28)


def test_spring_festival_2026() -> None:
    assert is_working_day(date(2026, 2, 14))  # Saturday before the holiday
    assert not is_working_day(date(2026, 2, 16))  # a Monday off
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    assert add_working_days(date(2026, 2, 13), 5) == date(2026, 2, 27)
    assert add_working_days(date(2026, 2, 13), 6) == date(2026, 2, 28)  # Saturday, works
    assert add_working_days(date(2026, 2, 13), 7) == date(2026, 3, 2)
    names = {d.name for d in year_special_days(2026) if d.date.month == 2}
    assert names == {"春节"}


def test_add_working_days_zero_returns_the_start_unchanged() -> None:
    assert add_working_days(date(2026, 10, 1), 0) == date(2026, 10, 1)  # a holiday
    assert add_working_days(date(2026, 9, 30), 0) == date(2026, 9, 30)
    assert roll_forward(date(2026, 10, 1)) == date(2026, 10, 8)
    assert roll_forward(date(2026, 9, 30)) == date(2026, 9, 30)
    with pytest.raises(ValueError, match="at least 0"):
        add_working_days(date(2026, 9, 30), -1)


def test_period_end_in_natural_and_working_days() -> None:
    # 5 natural days from Monday 09-28: the 5th day (10-03) is a holiday → the next working day
    assert period_end(date(2026, 9, 28), 5, "natural") == date(2026, 10, 8)
    # ...while one ending on a working day stays (11-02 is a Monday, 11-06 a Friday)
    assert period_end(date(2026, 11, 2), 4, "natural") == date(2026, 11, 6)
    # ending on an ordinary weekend also moves on to Monday
    assert period_end(date(2026, 11, 2), 5, "natural") == date(2026, 11, 9)
    assert period_end(date(2026, 11, 2), 6, "natural") == date(2026, 11, 9)
    assert period_end(date(2026, 9, 30), 5, "working") == date(2026, 10, 13)
    assert add_natural_days(date(2026, 9, 28), 5) == date(2026, 10, 3)
    with pytest.raises(ValueError, match="at least 1"):
        period_end(date(2026, 9, 28), 0, "natural")
    with pytest.raises(ValueError, match="unknown unit"):
        period_end(date(2026, 9, 28), 5, "hours")  # type: ignore[arg-type]


def test_an_unknown_year_counts_weekends_only_and_says_so(regions: dict[str, Region]) -> None:
    assert not year_known(2027)
    assert year_source(2027) == "unknown"
    # 2027-01-01 is a Friday: without the arrangement it counts as a working day
    assert is_working_day(date(2027, 1, 1))
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)
    warning = calendar_warning(date(2026, 12, 31), date(2027, 1, 1))
    assert warning == CalendarWarning((2027,))
    assert "2027年的法定节假日安排尚未录入" in warning.message
    span = period(date(2026, 12, 28), 5, "working")
    assert span.end == date(2027, 1, 4)
    assert span.warning is not None
    assert "2027年" in str(span.warning)
    assert calendar_warning(date(2026, 1, 1), date(2026, 12, 31)) is None
    assert period(date(2026, 9, 30), 5, "working").warning is None
    multi = calendar_warning(date(2028, 3, 1), date(2027, 3, 1))
    assert multi is not None
    assert multi.years == (2027, 2028)


def test_an_entered_year_is_known_and_counts_its_holidays(regions: dict[str, Region]) -> None:
    _enter(2027, ARRANGEMENT_2027)
    assert year_known(2027)
    assert year_source(2027) == "entered"
    assert not is_working_day(date(2027, 1, 1))
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert is_working_day(date(2027, 2, 20))  # Saturday, make-up workday
    # 02-05 Fri; 02-06..14 off; 02-15 Mon (1) … 02-19 Fri (5), 02-20 Sat (6)
    assert add_working_days(date(2027, 2, 5), 6) == date(2027, 2, 20)
    assert calendar_warning(date(2026, 12, 31), date(2027, 12, 31)) is None
    assert [d.source for d in year_special_days(2027)] == ["entered"] * 13


def test_entered_days_override_the_builtin_ones(regions: dict[str, Region]) -> None:
    # a correction of 2026: 10-08 off as well, and no make-up work on Saturday 10-10
    _enter(2026, [DayEntry(date(2026, 10, 8), H, "国庆节"), DayEntry(date(2026, 10, 10), H, "")])
    assert year_source(2026) == "builtin"
    assert not is_working_day(date(2026, 10, 8))
    assert not is_working_day(date(2026, 10, 10))
    # 10-09 Fri (1), 10-12 Mon (2) … 10-15 Thu (5)
    assert add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 15)
    days = {d.date: d for d in year_special_days(2026)}
    assert days[date(2026, 10, 8)].source == "entered"
    assert days[date(2026, 10, 10)].kind == H
    assert days[date(2026, 10, 1)].source == "builtin"
    # taking the corrections back restores chinese-calendar's data
    _enter(2026, [])
    assert add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)


def test_counting_reads_each_year_once(
    regions: dict[str, Region], django_assert_max_num_queries: Any
) -> None:
    _enter(2027, ARRANGEMENT_2027)
    cache.clear()
    with django_assert_max_num_queries(4):  # two years, two queries each
        assert working_days_between(date(2026, 1, 1), date(2027, 12, 31)) > 400
    with django_assert_max_num_queries(0):  # from the cache now
        add_working_days(date(2026, 1, 1), 400)


# ---------------------------------------------------------------- properties

days_2025_2028 = st.dates(min_value=date(2025, 6, 1), max_value=date(2027, 12, 31))
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture(params=["2027 unknown", "2027 entered"])
def calendar_state(request: pytest.FixtureRequest, regions: dict[str, Region]) -> None:
    if request.param == "2027 entered":
        _enter(2027, ARRANGEMENT_2027)


@PROPERTY
@given(start=days_2025_2028, n=st.integers(min_value=1, max_value=60))
def test_the_result_is_a_working_day(calendar_state: None, start: date, n: int) -> None:
    assert is_working_day(add_working_days(start, n))


@PROPERTY
@given(start=days_2025_2028, n=st.integers(min_value=0, max_value=60))
def test_counting_back_gives_n(calendar_state: None, start: date, n: int) -> None:
    assert working_days_between(start, add_working_days(start, n)) == n


@PROPERTY
@given(start=days_2025_2028, n=st.integers(min_value=0, max_value=60))
def test_strictly_increasing_in_n(calendar_state: None, start: date, n: int) -> None:
    assert add_working_days(start, n) < add_working_days(start, n + 1)


@PROPERTY
@given(a=days_2025_2028, b=days_2025_2028)
def test_between_is_antisymmetric_and_additive(calendar_state: None, a: date, b: date) -> None:
    assert working_days_between(a, b) == -working_days_between(b, a)
    low, high = min(a, b), max(a, b)
    middle = low + (high - low) // 2
    assert working_days_between(low, high) == working_days_between(
        low, middle
    ) + working_days_between(middle, high)


@PROPERTY
@given(start=days_2025_2028, length=st.integers(min_value=1, max_value=30))
def test_a_natural_period_ends_on_a_working_day_no_earlier_than_its_length(
    calendar_state: None, start: date, length: int
) -> None:
    end = period_end(start, length, "natural")
    assert is_working_day(end)
    assert end >= start + timedelta(days=length)
    # nothing but rest days between the nominal end and the end
    nominal = start + timedelta(days=length)
    assert working_days_between(nominal, end) == (0 if end == nominal else 1)


def test_the_calendar_modules_import_no_other_app() -> None:
    import ast
    import inspect

    from cunwu.core import holidayfile, workdays
    from cunwu.core.services import holidays

    for module in (workdays, holidays, holidayfile):
        tree = ast.parse(inspect.getsource(module))
        imported = {
            node.module or ""
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 0
        } | {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        cunwu = {name for name in imported if name.startswith("cunwu")}
        assert all(name.startswith("cunwu.core") for name in cunwu), (module.__name__, cunwu)
