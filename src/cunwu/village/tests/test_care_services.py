"""Care records, carers, visits and the overdue list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent
from cunwu.registry.models import Household, Person
from cunwu.village.models import CareRecord, CareVisit
from cunwu.village.selectors import care as sel
from cunwu.village.services import care as svc

pytestmark = pytest.mark.django_db


def child(household: Household) -> Person:
    return Person.objects.get(household=household, name="张小明")


def test_add_visit_end(staff: User, household: Household) -> None:
    today = timezone.localdate()
    r = svc.care_add(actor=staff, person=child(household), group="child",
                     since=today - timedelta(days=40), carer_name="刘老师",
                     carer_phone="138 0013 8000")  # fmt: skip
    assert r.interval_days == 30
    assert r.carer_phone_masked == "138****8000" and "13800138000" not in r.carer_phone_enc
    rows = sel.overdue(actor=staff, on=today)
    assert [(x.record.pk, x.days_late) for x in rows] == [(r.pk, 10)]
    svc.visit_add(actor=staff, record=r, visited_on=today - timedelta(days=5),
                  needs="缺学习用品", help_given="送书包一个")  # fmt: skip
    assert sel.overdue(actor=staff, on=today) == []
    assert sel.overdue(actor=staff, on=today + timedelta(days=26))[0].days_late == 1
    all_rows = sel.overdue(actor=staff, on=today, overdue_only=False)
    assert all_rows[0].due == today + timedelta(days=25)
    svc.care_end(actor=staff, record=r, ended_on=today, reason="父母返乡")
    r.refresh_from_db()
    assert r.end_reason == "父母返乡" and CareRecord.objects.count() == 1
    assert sel.overdue(actor=staff, on=today + timedelta(days=100)) == []
    with pytest.raises(ApplicationError) as exc:
        svc.visit_add(actor=staff, record=r, visited_on=today, needs="x")
    assert exc.value.message == "该关爱记录已结束"
    assert AuditEvent.objects.filter(action__startswith="village.care").count() == 3


def test_two_groups_but_not_twice(staff: User, household: Household) -> None:
    p = child(household)
    today = timezone.localdate()
    svc.care_add(actor=staff, person=p, group="child", since=today, carer_name="刘老师")
    svc.care_add(actor=staff, person=p, group="disabled", since=today, carer_name="刘老师")
    with pytest.raises(ApplicationError) as exc:
        svc.care_add(actor=staff, person=p, group="child", since=today, carer_name="刘老师")
    assert exc.value.message == "张小明已在留守儿童关爱名单中"
    assert CareRecord.objects.count() == 2


def test_bad_input_changes_nothing(staff: User, household: Household) -> None:
    p = child(household)
    today = timezone.localdate()
    cases = [
        ({"group": "x"}, "care_group"),
        ({"since": today + timedelta(days=1)}, "care_since"),
        ({"interval_days": 0}, "care_interval"),
        ({"carer_name": ""}, "carer_name_empty"),
        ({"carer_phone": "12345"}, "phone_invalid"),
    ]
    for change, code in cases:
        kwargs = {"group": "child", "since": today, "carer_name": "刘老师", **change}
        with pytest.raises(ApplicationError) as exc:
            svc.care_add(actor=staff, person=p, **kwargs)  # type: ignore[arg-type]
        assert exc.value.code == code
    assert CareRecord.objects.count() == 0 and CareVisit.objects.count() == 0


def test_scope(staff: User, household: Household, persona: Callable[[str], User]) -> None:
    today = timezone.localdate()
    r = svc.care_add(actor=staff, person=child(household), group="child", since=today,
                     carer_user=persona("九龙村工作队员"))  # fmt: skip
    other = persona("另一村的村干部")
    with pytest.raises(PermissionDenied):
        svc.visit_add(actor=other, record=r, visited_on=today, needs="x")
    with pytest.raises(PermissionDenied):
        svc.visit_add(actor=persona("九龙村监委会委员"), record=r, visited_on=today, needs="x")
    assert sel.overdue(actor=other, on=today, overdue_only=False) == []
    assert len(sel.overdue(actor=persona("开云镇干部"), on=today, overdue_only=False)) == 1
    with pytest.raises(ApplicationError) as exc:
        svc.carer_assign(actor=staff, record=r, carer_user=other)
    assert exc.value.code == "carer_scope"


def test_suggestions(staff: User, household: Household) -> None:
    p = child(household)
    Person.objects.filter(pk=p.pk).update(disability="肢体三级")
    rows = sel.suggestions(actor=staff, on=timezone.localdate())
    assert [(x[0].name, x[1]) for x in rows] == [("张小明", "disabled")]


def test_demo_is_idempotent(persona: Callable[[str], User], household: Household) -> None:
    from cunwu.web.demo_village_care import demo_village_care

    Person.objects.filter(name="张小明").update(disability="听力二级")
    kw = {"cadre": persona("九龙村村干部"), "work_team": persona("九龙村工作队员"),
          "township": persona("开云镇干部"), "admin": persona("衡山县管理员"),
          "village": household.village}  # fmt: skip
    assert demo_village_care(**kw) == 1  # type: ignore[arg-type]
    assert demo_village_care(**kw) == 0  # type: ignore[arg-type]
    assert CareRecord.objects.count() == 1 and CareVisit.objects.count() == 1
