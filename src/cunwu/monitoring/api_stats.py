"""防返贫监测 over the API (part: statistics): the figures of ``selectors.stats.monitoring_stats``
for a region in the caller's scope (404 outside) as of a date. Rates go out as exact fractions
(numerator, denominator) and as a rounded percentage."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from cunwu.accounts.permissions import regions_in_scope
from cunwu.api.schemas import ERRORS, Date, Text
from cunwu.core.errors import ApplicationError
from cunwu.core.models import RegionLevel

from .selectors.stats import PERM, StatRow, monitoring_stats, percent, stats_region_get

router = Router()


class MonStatQuery(Schema):
    region: Text = Field("", max_length=12, description="区划代码；不填为本人管辖的最大区划")
    on: Date | None = Field(None, description="统计日期，默认今天")
    start: Date | None = Field(None, description="期间起始，默认统计日期所在年的1月1日")


class MonStatRate(Schema):
    numerator: int
    denominator: int
    percent: str = Field(description="百分比（两位小数）；分母为0时为“—”")


class MonStatCategory(Schema):
    category: str
    label: str
    households: int
    persons: int
    at_risk: int
    eliminated: int


class MonStatRowOut(Schema):
    region: str
    region_name: str
    households: int
    population: int
    exit_households: int
    exit_persons: int
    monitored: int
    monitored_persons: int
    at_risk: int
    at_risk_persons: int
    eliminated: int
    eliminated_persons: int
    new: int
    eliminated_in_period: int
    covered: int
    uncovered: int
    by_category: list[MonStatCategory]
    coverage: MonStatRate
    incidence: MonStatRate
    exited_share: MonStatRate


class MonStatOut(Schema):
    region: str
    region_name: str
    on: dt.date
    start: dt.date
    total: MonStatRowOut
    townships: list[MonStatRowOut]
    villages: list[MonStatRowOut]


def _rate(numerator: int, denominator: int) -> dict[str, Any]:
    value = Fraction(numerator, denominator) if denominator else None
    return {"numerator": numerator, "denominator": denominator, "percent": percent(value)}


def _row(r: StatRow) -> dict[str, Any]:
    return {
        "region": r.region.code, "region_name": r.region.name, "households": r.households,
        "population": r.population, "exit_households": r.exit_households,
        "exit_persons": r.exit_persons, "monitored": r.monitored,
        "monitored_persons": r.monitored_persons, "at_risk": r.at_risk,
        "at_risk_persons": r.at_risk_persons, "eliminated": r.eliminated,
        "eliminated_persons": r.eliminated_persons, "new": r.new,
        "eliminated_in_period": r.eliminated_in_period, "covered": r.covered,
        "uncovered": r.uncovered, "by_category": r.by_category(),
        "coverage": _rate(r.covered, r.at_risk),
        "incidence": _rate(r.at_risk_persons, r.population),
        "exited_share": _rate(r.exit_persons, r.population),
    }  # fmt: skip


@router.get("/stats", response={200: MonStatOut, **ERRORS}, summary="防返贫监测统计")
def stats(request: HttpRequest, query: Query[MonStatQuery]) -> dict[str, Any]:
    code = query.region
    if not code:
        widest = regions_in_scope(request.user, PERM).filter(level__gte=RegionLevel.COUNTY)
        first = widest.first()
        if first is None:
            raise ApplicationError("not_found", "区划不存在", status=404)
        code = first.code
    region = stats_region_get(actor=request.user, code=code)
    on = query.on or timezone.localdate()
    if query.start is not None and query.start > on:
        raise ApplicationError("start_after_on", "期间起始不能晚于统计日期", field="start")
    data = monitoring_stats(actor=request.user, region=region, on=on, start=query.start)
    return {
        "region": region.code, "region_name": region.name, "on": data.on, "start": data.start,
        "total": _row(data.total), "townships": [_row(r) for r in data.townships],
        "villages": [_row(r) for r in data.villages],
    }  # fmt: skip
