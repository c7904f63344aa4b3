"""The working-day calendar over the API: a year's holidays and make-up workdays.

Anyone logged in reads a year (deadlines are computed from it everywhere); the county admin
(``core.manage_calendar``) replaces the entered arrangement of a year with PUT.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Path, Router, Schema
from pydantic import Field

from cunwu.accounts.permissions import require
from cunwu.api.schemas import ERRORS, Date, Text
from cunwu.core.services.holidays import MAX_DAYS, MAX_NAME, MAX_NOTE, DayEntry, holiday_year_set
from cunwu.core.workdays import (
    MAX_YEAR,
    MIN_YEAR,
    CalendarWarning,
    year_calendar,
    year_special_days,
)
from cunwu.web.views_calendar import acting_region

router = Router(tags=["节假日"])

Year = Annotated[int, Path(ge=MIN_YEAR, le=MAX_YEAR, description="年份，如 2027")]


class DayOut(Schema):
    date: Date
    kind: Literal["holiday", "workday"] = Field(description="holiday 放假；workday 调休上班")
    name: str = Field(description="节日名称，如 春节")
    source: Literal["builtin", "entered"] = Field(
        description="builtin 内置数据（chinese-calendar）；entered 录入"
    )


class YearOut(Schema):
    year: int
    source: Literal["builtin", "entered", "unknown"] = Field(
        description="builtin 内置数据（可能另有录入的更正）；entered 整年录入；"
        "unknown 未知（按双休日计算）"
    )
    known: bool
    note: str = Field(description="依据，如通知文号")
    warning: str | None = Field(description="年份未知时的提示")
    days: list[DayOut] = Field(description="放假和调休上班的日期，按日期排序")


class DayIn(Schema):
    date: Date
    kind: Literal["holiday", "workday"]
    name: Text = Field("", max_length=MAX_NAME)


class YearIn(Schema):
    days: list[DayIn] = Field(
        max_length=MAX_DAYS,
        description="该年录入的全部日期（替换此前录入的）；空列表清除录入的日期",
    )
    note: Text = Field("", max_length=MAX_NOTE, description="依据，如 国办发明电〔2026〕×号")


def _year_out(year: int) -> dict[str, Any]:
    calendar = year_calendar(year)
    return {
        "year": year,
        "source": calendar.source,
        "known": calendar.known,
        "note": calendar.note,
        "warning": None if calendar.known else CalendarWarning((year,)).message,
        "days": [
            {"date": d.date, "kind": d.kind, "name": d.name, "source": d.source}
            for d in year_special_days(year)
        ],
    }


@router.get("/calendar/{year}", response={200: YearOut, **ERRORS}, summary="某年的节假日安排")
def calendar_get(request: HttpRequest, year: Year) -> dict[str, Any]:
    """Holidays (including the weekends inside a holiday run) and make-up workdays; every
    other day works Monday to Friday. ``unknown`` years count weekends only."""
    return _year_out(year)


@router.put("/calendar/{year}", response={200: YearOut, **ERRORS}, summary="录入某年的节假日安排")
def calendar_put(request: HttpRequest, year: Year, body: YearIn) -> dict[str, Any]:
    """County admins only. Replaces the year's entered days at once (nothing changes on any
    error; 400 lists the entries at fault as 第N项). For a year chinese-calendar knows the
    entered days correct its single dates."""
    actor = request.user
    holiday_year_set(
        actor=actor,
        region=acting_region(actor),
        year=year,
        days=[DayEntry(d.date, d.kind, d.name) for d in body.days],
        note=body.note,
        authorize=require,
    )
    return _year_out(year)
