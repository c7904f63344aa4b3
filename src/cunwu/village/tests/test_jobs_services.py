# ruff: noqa: F811
"""公益性岗位: posts, holders within the positions, the monitoring measure, attendance pay."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import given
from hypothesis import strategies as st

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent, Region
from cunwu.monitoring.models import Measure, MeasureType
from cunwu.monitoring.tests.conftest import enter
from cunwu.registry.models import Household
from cunwu.village.models import JobAttendance, JobHolder, JobPost
from cunwu.village.services import jobs as services

from .fixtures_jobs import cadre, cleaner, member, poor_household  # noqa: F401

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)  # 21 working days (no holiday in November 2026)


def test_month_working_days_of_november_2026_is_21() -> None:
    assert services.month_working_days(date(2026, 11, 17)) == 21
    assert services.month_working_days(date(2026, 10, 1)) == 18  # 国庆 1–7, 补班 10 October


def test_pay_due_rounds_half_up_to_fen() -> None:
    assert services.pay_due(100000, 20, 21) == 95238  # 95238.095…
    assert services.pay_due(100000, 1, 21) == 4762  # 4761.904…
    assert services.pay_due(100000, 21, 21) == 100000
    assert services.pay_due(100001, 1, 2) == 50001  # 50000.5 rounds up
    assert services.pay_due(100000, 0, 21) == 0


@given(
    pay=st.integers(min_value=0, max_value=10**8),
    working=st.integers(min_value=1, max_value=23),
    days=st.lists(st.integers(min_value=0, max_value=23), min_size=1, max_size=30),
)
def test_sum_of_pays_never_exceeds_pay_times_holders(
    pay: int, working: int, days: list[int]
) -> None:
    pays = [services.pay_due(pay, min(d, working), working) for d in days]
    assert sum(pays) <= pay * len(days)
    assert all(
        abs(p * working - pay * min(d, working)) * 2 <= working
        for p, d in zip(pays, days, strict=True)
    )


def test_post_create_records_and_audits(cleaner: JobPost) -> None:
    assert (cleaner.pay_fen, cleaner.positions, cleaner.filled) == (100000, 2, 0)
    assert AuditEvent.objects.filter(
        action="village.job_post_create", object_id=str(cleaner.pk)
    ).exists()


def test_post_create_rejects_bad_input(cadre: User, jiulong: Region) -> None:
    with pytest.raises(ApplicationError) as exc:
        services.job_post_create(actor=cadre, village=jiulong, name="护林员", duties="",
                                 pay_fen=-1, funding="", positions=1)  # fmt: skip
    assert exc.value.field == "pay_fen"
    with pytest.raises(ApplicationError, match="岗位数应在1至500之间"):
        services.job_post_create(actor=cadre, village=jiulong, name="护林员", duties="",
                                 pay_fen=1, funding="", positions=0)  # fmt: skip
    assert not JobPost.objects.exists()


def test_villager_and_other_village_cannot_create(
    persona: Callable[[str], User], jiulong: Region
) -> None:
    for name in ("九龙村村民", "另一村的村干部", "开云镇干部"):
        with pytest.raises(PermissionDenied):
            services.job_post_create(actor=persona(name), village=jiulong, name="护林员",
                                     duties="", pay_fen=1, funding="", positions=1)  # fmt: skip
    assert not JobPost.objects.exists()


def test_post_holds_at_most_its_positions(
    cadre: User, cleaner: JobPost, household: Household, poor_household: Household
) -> None:
    a = services.job_holder_start(
        actor=cadre, post=cleaner, person=member(household, "李四"), start_on=NOV
    )
    b = services.job_holder_start(
        actor=cadre, post=cleaner, person=member(poor_household, "王五"), start_on=NOV
    )
    assert (a.poverty, b.poverty) == (False, True)
    with pytest.raises(ApplicationError, match="该岗位2个名额已满"):
        services.job_holder_start(
            actor=cadre, post=cleaner, person=member(poor_household, "赵六"), start_on=NOV
        )
    cleaner.refresh_from_db()
    assert cleaner.filled == 2
    assert JobHolder.objects.count() == 2
    services.job_holder_end(actor=cadre, holder=a, end_on=date(2026, 11, 20), reason="外出务工")
    cleaner.refresh_from_db()
    assert cleaner.filled == 1
    with pytest.raises(ApplicationError, match="该人员已离岗"):
        services.job_holder_end(actor=cadre, holder=a, end_on=date(2026, 11, 21), reason="重复")
    services.job_holder_start(
        actor=cadre, post=cleaner, person=member(poor_household, "赵六"), start_on=NOV
    )
    cleaner.refresh_from_db()
    assert cleaner.filled == 2


def test_monitored_household_gets_public_job_measure_ended_with_the_job(
    cadre: User, cleaner: JobPost, household: Household
) -> None:
    enter(household)
    holder = services.job_holder_start(
        actor=cadre, post=cleaner, person=member(household, "张三"), start_on=NOV
    )
    assert holder.monitored is True
    measure = Measure.objects.get(pk=holder.measure_id)
    assert (measure.measure_type, measure.start_on, measure.end_on) == (
        MeasureType.PUBLIC_JOB,
        NOV,
        None,
    )
    services.job_holder_end(
        actor=cadre, holder=holder, end_on=date(2026, 11, 30), reason="合同期满"
    )
    measure.refresh_from_db()
    assert measure.end_on == date(2026, 11, 30)


def test_person_of_another_village_is_refused(
    persona: Callable[[str], User], cadre: User, cleaner: JobPost, regions: dict[str, Region]
) -> None:
    from cunwu.testing import make_household, make_id_number

    other = make_household(persona("八里村村干部"), regions["430423100227"], "0001", "钱七",
                           head_id=make_id_number(21))  # fmt: skip
    with pytest.raises(ApplicationError, match="只能安排本村人员上岗"):
        services.job_holder_start(
            actor=cadre, post=cleaner, person=member(other, "钱七"), start_on=NOV
        )
    assert not JobHolder.objects.exists()


def test_attendance_pay_deduction_and_correction_after_close(
    cadre: User, cleaner: JobPost, household: Household, jiulong: Region
) -> None:
    holder = services.job_holder_start(
        actor=cadre, post=cleaner, person=member(household, "李四"), start_on=NOV
    )
    row = services.job_attendance_record(
        actor=cadre, holder=holder, month=date(2026, 11, 15), days_worked=20,
        deduction_fen=5000, deduction_reason="保洁不到位",
    )  # fmt: skip
    assert (row.month, row.working_days, row.pay_due_fen, row.net_fen, row.correction) == (
        NOV,
        21,
        95238,
        90238,
        False,
    )
    with pytest.raises(ApplicationError, match="出勤天数应在0至21之间"):
        services.job_attendance_record(actor=cadre, holder=holder, month=NOV, days_worked=22)
    with pytest.raises(ApplicationError) as exc:
        services.job_attendance_record(
            actor=cadre, holder=holder, month=NOV, days_worked=20, deduction_fen=100
        )
    assert exc.value.field == "deduction_reason"
    services.job_month_close(actor=cadre, village=jiulong, month=NOV)
    with pytest.raises(ApplicationError, match="更正说明"):
        services.job_attendance_record(actor=cadre, holder=holder, month=NOV, days_worked=21)
    fix = services.job_attendance_record(
        actor=cadre, holder=holder, month=NOV, days_worked=21, note="漏记一天"
    )
    assert (fix.correction, fix.net_fen) == (True, 100000)
    assert JobAttendance.objects.count() == 2
    from cunwu.village.selectors.jobs import payroll

    rows = payroll(user=cadre, village=jiulong.code, month=NOV)
    assert [r.attendance.pk for r in rows] == [fix.pk]
    with pytest.raises(ApplicationError, match="2026年11月已结账"):
        services.job_month_close(actor=cadre, village=jiulong, month=NOV)
