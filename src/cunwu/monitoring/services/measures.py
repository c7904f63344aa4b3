"""Writes of the assistance measures (帮扶措施) of monitored households and their follow-up
visits (回访). A measure is ended, never deleted: ``measure_end`` sets its end date by a
conditional UPDATE, so that two people ending the same measure at once cannot both do it.
Money in 分 (the pages and the API take 元 and convert with :func:`yuan_to_fen`). Every write
appends its audit event in the same transaction.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cunwu.accounts.permissions import require
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import format_date, parse_yuan

from ..models import FollowUp, Measure, MeasureType, MonitoredHousehold
from .common import audit, clean_text

PERM = "monitoring.assist"
MAX_AMOUNT_FEN = 10**11  # 10亿元 for one household's measure: more is a typing error
EARLIEST = date(2014, 1, 1)  # 建档立卡 began in 2014: no measure of this app starts earlier
MAX_AHEAD_DAYS = 366  # a measure may be planned up to a year ahead
MAX_YEARS = 30  # and last at most this long


def yuan_to_fen(value: str | Decimal | int | None, *, field: str = "amount") -> int | None:
    """An amount typed in 元 (``"1200.50"``) in 分; ``None`` for an empty value."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_yuan(value, field=field)


def _amount(amount_fen: int | None) -> int | None:
    if amount_fen is None:
        return None
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise ApplicationError("amount_invalid", "金额无效", field="amount")
    if amount_fen < 0:
        raise ApplicationError("amount_negative", "金额不能为负数", field="amount")
    if amount_fen > MAX_AMOUNT_FEN:
        raise ApplicationError("amount_large", "金额过大，请核对", field="amount")
    return amount_fen


def _date(value: Any, *, field: str, label: str) -> date:
    if not isinstance(value, date):
        raise ApplicationError(f"{field}_invalid", f"{label}无效", field=field)
    return value


@transaction.atomic
def measure_add(
    *,
    actor: Any,
    monitored: MonitoredHousehold,
    measure_type: str,
    description: str,
    start_on: date,
    end_on: date | None = None,
    amount_fen: int | None = None,
    department: str = "",
) -> Measure:
    """A new measure of ``monitored``, active from ``start_on`` (to ``end_on`` when known)."""
    require(actor, PERM, monitored.village_id)
    if measure_type not in MeasureType.values:
        raise ApplicationError("measure_type", "请选择措施类型", field="measure_type")
    description = clean_text(description, field="description", label="措施内容", limit=300)
    department = clean_text(
        department, field="department", label="实施单位", limit=100, required=False
    )
    start_on = _date(start_on, field="start_on", label="开始日期")
    today = timezone.localdate()
    if start_on < EARLIEST or start_on > today + timedelta(days=MAX_AHEAD_DAYS):
        raise ApplicationError(
            "start_on_range",
            f"开始日期应在{format_date(EARLIEST)}至{format_date(today + timedelta(days=366))}之间",
            field="start_on",
        )
    if end_on is not None:
        end_on = _date(end_on, field="end_on", label="结束日期")
        if end_on < start_on:
            raise ApplicationError("end_before_start", "结束日期不能早于开始日期", field="end_on")
        if end_on > start_on + timedelta(days=365 * MAX_YEARS + 8):
            raise ApplicationError(
                "end_on_range", f"措施期限至多{MAX_YEARS}年，请核对结束日期", field="end_on"
            )
    amount = _amount(amount_fen)
    measure = Measure.objects.create(
        monitored=monitored, village_id=monitored.village_id, county_code=monitored.county_code,
        measure_type=measure_type, description=description, department=department,
        amount_fen=amount, start_on=start_on, end_on=end_on, created_by=actor,
    )  # fmt: skip
    audit(
        actor, monitored.village_id, "measure_add", measure,
        household=monitored.household_id, measure_type=measure_type, description=description,
        start_on=start_on.isoformat(), end_on=end_on.isoformat() if end_on else None,
        amount_fen=amount, department=department,
    )  # fmt: skip
    return measure


@transaction.atomic
def measure_end(*, actor: Any, measure: Measure, end_on: date, note: str) -> Measure:
    """End ``measure`` on ``end_on`` (its last active day). Refused when it already ended on
    or before that day; a planned end date later than ``end_on`` is brought forward."""
    require(actor, PERM, measure.village_id)
    end_on = _date(end_on, field="end_on", label="结束日期")
    note = clean_text(note, field="note", label="结束说明", limit=200)
    if end_on < measure.start_on:
        raise ApplicationError(
            "end_before_start",
            f"结束日期不能早于措施开始日期{format_date(measure.start_on)}",
            field="end_on",
        )
    if end_on > timezone.localdate() + timedelta(days=MAX_AHEAD_DAYS):
        raise ApplicationError("end_on_range", "结束日期过远，请核对", field="end_on")
    changed = (
        Measure.objects.filter(pk=measure.pk)
        .filter(Q(end_on=None) | Q(end_on__gt=end_on))
        .update(end_on=end_on, ended_note=note)
    )
    if not changed:
        current = Measure.objects.values_list("end_on", flat=True).get(pk=measure.pk)
        raise ApplicationError(
            "measure_ended", f"该措施已于{format_date(current)}结束", field="end_on"
        )
    measure.refresh_from_db()
    audit(
        actor, measure.village_id, "measure_end", measure,
        household=measure.monitored.household_id, end_on=end_on.isoformat(), note=note,
    )  # fmt: skip
    return measure


@transaction.atomic
def follow_up_add(
    *, actor: Any, measure: Measure, visited_on: date, in_place: bool, note: str
) -> FollowUp:
    """A follow-up visit on ``measure``: whether it is in place, and what was found."""
    require(actor, PERM, measure.village_id)
    visited_on = _date(visited_on, field="visited_on", label="回访日期")
    if visited_on > timezone.localdate():
        raise ApplicationError("visited_on_future", "回访日期不能晚于今天", field="visited_on")
    if visited_on < measure.start_on:
        raise ApplicationError(
            "visited_on_early",
            f"回访日期不能早于措施开始日期{format_date(measure.start_on)}",
            field="visited_on",
        )
    if not isinstance(in_place, bool):
        raise ApplicationError("in_place", "请选择措施是否落实", field="in_place")
    note = clean_text(note, field="note", label="回访情况", limit=300, required=not in_place)
    follow_up = FollowUp.objects.create(
        measure=measure, visited_on=visited_on, in_place=in_place, note=note, visitor=actor
    )
    audit(
        actor, measure.village_id, "follow_up_add", follow_up,
        measure=measure.pk, household=measure.monitored.household_id,
        visited_on=visited_on.isoformat(), in_place=in_place, note=note,
    )  # fmt: skip
    return follow_up
