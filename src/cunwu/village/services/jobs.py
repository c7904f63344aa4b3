"""Writes of 公益性岗位: posts, holders (start, end) and the monthly attendance.

A post holds at most ``positions`` people at a time: a start claims a seat with a conditional
UPDATE (``filled < positions``), an end gives it back, so two cadres starting the last seat at
once cannot both succeed. Pay due = pay per month × days worked / working days, rounded half
up to 分 (never more than the pay per month since days worked ≤ working days). Attendance is
append-only; after a month closes, a new row is a correction.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from cunwu.accounts.permissions import require
from cunwu.core import workdays
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import clean_text, format_fen, parse_yuan
from cunwu.core.models import Region
from cunwu.registry.models import Person

from ..models import JobAttendance, JobHolder, JobMonth, JobPost
from .common import audit, check_int

PERM = "village.manage"
MAX_PAY_FEN = 10**8  # 100万元 a month is a typing error
MAX_POSITIONS = 500


def pay_due(pay_fen: int, days_worked: int, working_days: int) -> int:
    """pay_fen × days_worked / working_days rounded half up to 分 (integer arithmetic)."""
    return (2 * pay_fen * days_worked + working_days) // (2 * working_days)


def month_working_days(month: date) -> int:
    """The working days of the month of ``month`` (official calendar)."""
    first = month.replace(day=1)
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    # days d with first ≤ d < nxt: (first - 1 day, nxt - 1 day]
    return workdays.working_days_between(first - timedelta(days=1), nxt - timedelta(days=1))


@transaction.atomic
def job_post_create(
    *, actor: Any, village: Region, name: str, duties: str, pay_fen: int, funding: str,
    positions: int,
) -> JobPost:  # fmt: skip
    """A new post of ``village``."""
    require(actor, PERM, village)
    if village.level != 5:
        raise ApplicationError("village_level", "岗位只能设在村", field="village")
    name = clean_text(name, field="name", label="岗位名称", limit=50)
    duties = clean_text(duties, field="duties", label="岗位职责", limit=300, required=False)
    funding = clean_text(funding, field="funding", label="资金来源", limit=100, required=False)
    pay_fen = check_int(pay_fen, field="pay_fen", label="月报酬", low=0, high=MAX_PAY_FEN)
    positions = check_int(positions, field="positions", label="岗位数", low=1, high=MAX_POSITIONS)
    post = JobPost.objects.create(
        village=village, county_code=village.code[:6], name=name, duties=duties,
        pay_fen=pay_fen, funding=funding, positions=positions, created_by=actor,
    )  # fmt: skip
    audit(actor, village, "job_post_create", post, name=name, pay_fen=pay_fen, positions=positions)
    return post


@transaction.atomic
def job_holder_start(*, actor: Any, post: JobPost, person: Person, start_on: date) -> JobHolder:
    """``person`` takes a seat of ``post``; a monitored household gets a 公益性岗位 measure."""
    require(actor, PERM, post.village_id)
    if not isinstance(start_on, date):
        raise ApplicationError("start_on_invalid", "上岗日期无效", field="start_on")
    household = person.household
    if household.village_id != post.village_id:
        raise ApplicationError("person_village", "只能安排本村人员上岗", field="person")
    if not post.active:
        raise ApplicationError("post_ended", "该岗位已撤销", field="post")
    if JobHolder.objects.filter(post=post, person=person, end_on=None).exists():
        raise ApplicationError("holder_exists", f"{person.name}已在该岗位", field="person")
    claimed = JobPost.objects.filter(pk=post.pk, active=True, filled__lt=F("positions")).update(
        filled=F("filled") + 1
    )
    if not claimed:
        if not JobPost.objects.filter(pk=post.pk, active=True).exists():  # retired meanwhile
            raise ApplicationError("post_ended", "该岗位已撤销", field="post", status=409)
        raise ApplicationError(
            "post_full", f"该岗位{post.positions}个名额已满", field="post", status=409
        )
    monitored = getattr(household, "monitoring", None)
    measure = None
    if monitored is not None:
        from cunwu.monitoring.models import MeasureType
        from cunwu.monitoring.services.measures import measure_add

        measure = measure_add(
            actor=actor, monitored=monitored, measure_type=MeasureType.PUBLIC_JOB,
            description=f"安排{person.name}任{post.name}", start_on=start_on,
            amount_fen=post.pay_fen,
        )  # fmt: skip
    holder = JobHolder.objects.create(
        post=post, village_id=post.village_id, county_code=post.county_code, person=person,
        start_on=start_on, poverty="|脱贫户|" in (household.tags or ""),
        monitored=monitored is not None, measure=measure, created_by=actor,
    )  # fmt: skip
    audit(
        actor, post.village_id, "job_holder_start", holder, post=post.pk, person=person.pk,
        start_on=start_on.isoformat(), measure=measure.pk if measure else None,
    )  # fmt: skip
    return holder


@transaction.atomic
def job_holder_end(*, actor: Any, holder: JobHolder, end_on: date, reason: str) -> JobHolder:
    """``holder`` leaves the post on ``end_on``; the seat is free again, the measure ends."""
    require(actor, PERM, holder.village_id)
    if not isinstance(end_on, date):
        raise ApplicationError("end_on_invalid", "离岗日期无效", field="end_on")
    reason = clean_text(reason, field="reason", label="离岗原因", limit=200)
    if end_on < holder.start_on:
        raise ApplicationError("end_before_start", "离岗日期不能早于上岗日期", field="end_on")
    ended = JobHolder.objects.filter(pk=holder.pk, end_on=None).update(
        end_on=end_on, end_reason=reason
    )
    if not ended:
        raise ApplicationError("holder_ended", "该人员已离岗", field="end_on", status=409)
    JobPost.objects.filter(pk=holder.post_id, filled__gt=0).update(filled=F("filled") - 1)
    holder.refresh_from_db()
    if holder.measure is not None and holder.measure.end_on is None:
        from cunwu.monitoring.services.measures import measure_end

        measure_end(actor=actor, measure=holder.measure, end_on=end_on, note=reason)
    audit(actor, holder.village_id, "job_holder_end", holder, end_on=end_on.isoformat(),
          reason=reason)  # fmt: skip
    return holder


@transaction.atomic
def job_attendance_record(
    *, actor: Any, holder: JobHolder, month: date, days_worked: int, deduction_fen: int = 0,
    deduction_reason: str = "", note: str = "",
) -> JobAttendance:  # fmt: skip
    """Days worked by ``holder`` in ``month``; after the month closed the row is a correction
    and needs a note."""
    require(actor, PERM, holder.village_id)
    if not isinstance(month, date):
        raise ApplicationError("month_invalid", "月份无效", field="month")
    month = month.replace(day=1)
    working = month_working_days(month)
    days_worked = check_int(days_worked, field="days_worked", label="出勤天数", low=0, high=working)
    post = holder.post
    due = pay_due(post.pay_fen, days_worked, working)
    deduction_fen = check_int(
        deduction_fen, field="deduction_fen", label="扣减金额", low=0, high=due
    )
    deduction_reason = clean_text(
        deduction_reason, field="deduction_reason", label="扣减原因", limit=200,
        required=deduction_fen > 0,
    )  # fmt: skip
    closed = JobMonth.objects.filter(village_id=holder.village_id, month=month).exists()
    note = clean_text(note, field="note", label="更正说明", limit=200, required=closed)
    row = JobAttendance.objects.create(
        holder=holder, village_id=holder.village_id, county_code=holder.county_code,
        month=month, working_days=working, days_worked=days_worked, pay_fen=post.pay_fen,
        pay_due_fen=due, deduction_fen=deduction_fen, deduction_reason=deduction_reason,
        net_fen=due - deduction_fen, correction=closed, note=note, created_by=actor,
    )  # fmt: skip
    audit(
        actor, holder.village_id, "job_attendance", row, holder=holder.pk,
        month=month.isoformat(), days_worked=days_worked, pay_due_fen=due,
        deduction_fen=deduction_fen, correction=closed,
    )  # fmt: skip
    return row


@transaction.atomic
def job_month_close(*, actor: Any, village: Region, month: date) -> JobMonth:
    """Close ``month`` of ``village``: later attendance rows are corrections."""
    require(actor, PERM, village)
    month = month.replace(day=1)
    closed, created = JobMonth.objects.get_or_create(
        village=village, month=month, defaults={"closed_by": actor}
    )
    if not created:
        raise ApplicationError(
            "month_closed", f"{month.year}年{month.month}月已结账", field="month"
        )
    audit(actor, village, "job_month_close", closed, month=month.isoformat())
    return closed


@transaction.atomic
def job_post_retire(*, actor: Any, post: JobPost) -> JobPost:
    """撤销岗位: only a post with no current holder (``filled`` = 0); a conditional UPDATE, so a
    start racing the retirement either fills a seat first (then this fails) or finds it retired."""
    require(actor, PERM, post.village_id)
    retired = JobPost.objects.filter(pk=post.pk, active=True, filled=0).update(active=False)
    if not retired:
        current = JobPost.objects.get(pk=post.pk)
        if not current.active:
            raise ApplicationError("post_ended", "该岗位已撤销", field="post", status=409)
        raise ApplicationError(
            "post_has_holders", f"该岗位还有{current.filled}人在岗，请先办理离岗后再撤销",
            field="post", status=409,
        )  # fmt: skip
    post.refresh_from_db()
    audit(actor, post.village_id, "job_post_retire", post, name=post.name)
    return post


# ---------------------------------------------------------------- attendance import (xlsx/csv)

COL_HOUSEHOLD = "户编号"
COL_NAME = "姓名"
COL_PERSON = "人员编号"
COL_DAYS = "出勤天数"
COL_DEDUCTION = "扣减（元）"
COL_REASON = "扣减原因"
IMPORT_HEADERS = (COL_HOUSEHOLD, COL_NAME, COL_PERSON, COL_DAYS, COL_DEDUCTION, COL_REASON)
IMPORT_ERRORS_SHOWN = 20
_DIGITS = re.compile(r"[0-9]{1,18}")


def holders_in_month(*, village: Region | str, month: date) -> QuerySet[JobHolder]:
    """Holders of ``village`` in post for at least one day of ``month``."""
    first = month.replace(day=1)
    last = date(first.year + first.month // 12, first.month % 12 + 1, 1) - timedelta(days=1)
    code = village if isinstance(village, str) else village.code
    return (
        JobHolder.objects.filter(village_id=code, start_on__lte=last)
        .filter(Q(end_on=None) | Q(end_on__gte=first))
        .select_related("person__household", "post")
        .order_by("post__name", "person__household__number", "person_id", "pk")
    )


@dataclass(frozen=True)
class _ImportRow:
    row: int
    holder: JobHolder
    days_worked: int
    deduction_fen: int
    deduction_reason: str


def _match_holder(
    values: dict[str, str], by_person: dict[int, list[JobHolder]],
    by_household: dict[str, list[JobHolder]], err: Callable[[str, str], None],
) -> JobHolder | None:  # fmt: skip
    """The holder a row names by 姓名+人员编号, else by 户编号 (姓名 picks among several)."""
    name = values.get(COL_NAME, "")
    person = values.get(COL_PERSON, "")
    number = values.get(COL_HOUSEHOLD, "")
    if person:
        if not _DIGITS.fullmatch(person):
            err(COL_PERSON, "应为数字")
            return None
        found = by_person.get(int(person), [])
        if not found:
            err(COL_PERSON, "不是本村该月在岗人员")
            return None
        if not name:
            err(COL_NAME, "应填写（与人员编号一起核对）")
            return None
        if found[0].person.name != name:
            err(COL_NAME, f"与人员编号{person}（{found[0].person.name}）不符")
            return None
        if len(found) > 1:
            err(COL_PERSON, "该人员该月在多个岗位，请到岗位页面逐个登记考勤")
            return None
        return found[0]
    if number:
        found = by_household.get(number, [])
        if name:
            found = [h for h in found if h.person.name == name]
        if not found:
            err(COL_HOUSEHOLD, "该户该月没有在岗人员" + (f"“{name}”" if name else ""))
            return None
        if len(found) > 1:
            err(COL_HOUSEHOLD, "该户该月有多人在岗，请填写姓名和人员编号")
            return None
        return found[0]
    err(COL_HOUSEHOLD, "应填写，或填写“姓名”和“人员编号”")
    return None


def _check_row(
    n: int, values: dict[str, str], working: int, holder: JobHolder | None,
    err: Callable[[str, str], None],
) -> _ImportRow | None:  # fmt: skip
    days_text = values.get(COL_DAYS, "")
    days = int(days_text) if _DIGITS.fullmatch(days_text) else -1
    if not 0 <= days <= working:
        err(COL_DAYS, f"应为0到{working}之间的整数")
    deduction, raw = 0, values.get(COL_DEDUCTION, "")
    if raw:
        try:
            deduction = parse_yuan(raw, field="deduction_fen")
        except ApplicationError:
            deduction = -1
        if deduction < 0:
            err(COL_DEDUCTION, "应为不小于0的金额，最多两位小数")
    reason = " ".join(values.get(COL_REASON, "").split())
    if len(reason) > 200:
        err(COL_REASON, "至多200字")
    elif deduction > 0 and not reason:
        err(COL_REASON, "有扣减时应填写")
    if holder is None or days < 0 or deduction < 0:
        return None
    due = pay_due(holder.post.pay_fen, days, working)
    if deduction > due:
        err(COL_DEDUCTION, f"不能超过应发金额{format_fen(due)}元")
        return None
    return _ImportRow(n, holder, days, deduction, reason)


@transaction.atomic
def job_attendance_import(
    *, actor: Any, village: Region, month: date, name: str, data: bytes,
    today: date | None = None,
) -> int:  # fmt: skip
    """The attendance of ``month`` for the holders of ``village`` from a spreadsheet (one row per
    holder): all rows or none. Each error names its row and column; returns the rows recorded."""
    from cunwu.monitoring.sheets_screening import read_table

    require(actor, PERM, village)
    if village.level != 5:
        raise ApplicationError("village_level", "考勤只能按村导入", field="village")
    if not isinstance(month, date):
        raise ApplicationError("month_invalid", "月份无效", field="month")
    month = month.replace(day=1)
    label = f"{month.year}年{month.month}月"
    if month > (today or timezone.localdate()).replace(day=1):
        raise ApplicationError("month_future", f"{label}尚未开始，不能导入考勤", field="month")
    if JobMonth.objects.filter(village=village, month=month).exists():
        raise ApplicationError(
            "month_closed", f"{label}已结账，不能导入；更正请到岗位页面逐人登记", field="month",
            status=409,
        )  # fmt: skip
    header, rows = read_table(name, data)
    if COL_HOUSEHOLD not in header and not (COL_NAME in header and COL_PERSON in header):
        raise ApplicationError(
            "import_columns", f"表格缺少“{COL_HOUSEHOLD}”列（或“{COL_NAME}”和“{COL_PERSON}”列）",
            field="file",
        )  # fmt: skip
    if COL_DAYS not in header:
        raise ApplicationError("import_columns", f"表格缺少“{COL_DAYS}”列", field="file")
    if not rows:
        raise ApplicationError("import_no_rows", "表格中没有考勤数据", field="file")
    by_person: dict[int, list[JobHolder]] = {}
    by_household: dict[str, list[JobHolder]] = {}
    for h in holders_in_month(village=village, month=month):
        by_person.setdefault(h.person_id, []).append(h)
        by_household.setdefault(h.person.household.number, []).append(h)
    working = month_working_days(month)
    errors: list[str] = []
    plan: list[_ImportRow] = []
    seen: dict[int, int] = {}
    for n, values in rows:

        def err(column: str, message: str, n: int = n) -> None:
            errors.append(f"第{n}行“{column}”{message}")

        holder = _match_holder(values, by_person, by_household, err)
        if holder is not None and holder.pk in seen:
            errors.append(f"第{n}行与第{seen[holder.pk]}行是同一人（{holder.person.name}）")
            holder = None
        elif holder is not None:
            seen[holder.pk] = n
        checked = _check_row(n, values, working, holder, err)
        if checked is not None:
            plan.append(checked)
    if errors:
        shown = "；".join(errors[:IMPORT_ERRORS_SHOWN])
        more = f"；共{len(errors)}处错误" if len(errors) > IMPORT_ERRORS_SHOWN else ""
        raise ApplicationError("import_rows", f"{shown}{more}。未导入任何数据", field="file")
    for item in plan:
        try:
            job_attendance_record(
                actor=actor, holder=item.holder, month=month, days_worked=item.days_worked,
                deduction_fen=item.deduction_fen, deduction_reason=item.deduction_reason,
            )  # fmt: skip
        except ApplicationError as exc:
            raise ApplicationError(
                exc.code, f"第{item.row}行：{exc.message}。未导入任何数据", field="file",
                status=exc.status,
            ) from None  # fmt: skip
    audit(actor, village, "job_attendance_import", None, month=month.isoformat(),
          rows=len(plan))  # fmt: skip
    return len(plan)
