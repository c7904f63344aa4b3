"""帮扶责任人, risks, plan and 脱贫户 records: the rules, the refusals, the audit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.core.crypto import decrypt_text
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent
from cunwu.monitoring.models import MonitoredHousehold, PovertyExit, RiskFactor, RiskType
from cunwu.monitoring.services import households as svc
from cunwu.registry.models import Household

pytestmark = pytest.mark.django_db


def _events(action: str) -> int:
    return AuditEvent.objects.filter(action=f"monitoring.{action}").count()


# ---------------------------------------------------------------- 帮扶责任人


def test_cadre_of_the_village_is_assigned(monitored: MonitoredHousehold, cadre: User) -> None:
    team = User.objects.get(username=cadre.username)
    svc.cadre_assign(actor=cadre, monitored=monitored, cadre=team)
    monitored.refresh_from_db()
    assert monitored.cadre_id == team.pk
    assert monitored.cadre_name == "九龙村村干部"
    assert _events("cadre_assign") == 1


def test_township_cadre_may_be_responsible(
    monitored: MonitoredHousehold, cadre: User, kaiyun_staff: User
) -> None:
    svc.cadre_assign(actor=cadre, monitored=monitored, cadre=kaiyun_staff)
    assert MonitoredHousehold.objects.get(pk=monitored.pk).cadre_id == kaiyun_staff.pk


def test_cadre_outside_the_village_is_refused_and_nothing_changes(
    monitored: MonitoredHousehold, cadre: User, persona: Callable[[str], User]
) -> None:
    for stranger in (persona("八里村村干部"), persona("另一村的村干部"), persona("九龙村村民")):
        with pytest.raises(ApplicationError) as err:
            svc.cadre_assign(actor=cadre, monitored=monitored, cadre=stranger)
        assert err.value.code == "cadre_outside"
    monitored.refresh_from_db()
    assert monitored.cadre_id is None and monitored.cadre_name == ""
    assert _events("cadre_assign") == 0


def test_cadre_without_account_keeps_phone_encrypted_and_masked(
    monitored: MonitoredHousehold, cadre: User
) -> None:
    svc.cadre_assign(actor=cadre, monitored=monitored, name=" 刘 帮扶 ", phone="13812345678")
    monitored.refresh_from_db()
    assert monitored.cadre_name == "刘 帮扶"
    assert monitored.cadre_phone_masked == "138****5678"
    assert "13812345678" not in monitored.cadre_phone_enc
    plain = decrypt_text(monitored.cadre_phone_enc, context=svc.CADRE_PHONE_CONTEXT)
    assert plain == "13812345678"
    payload = AuditEvent.objects.get(action="monitoring.cadre_assign").payload
    assert "13812345678" not in str(payload)


def test_cadre_needs_a_name_and_a_valid_phone(monitored: MonitoredHousehold, cadre: User) -> None:
    with pytest.raises(ApplicationError) as err:
        svc.cadre_assign(actor=cadre, monitored=monitored, name="  ")
    assert err.value.field == "name"
    with pytest.raises(ApplicationError) as err:
        svc.cadre_assign(actor=cadre, monitored=monitored, name="刘", phone="12345")
    assert err.value.code == "phone_invalid"


def test_supervisor_may_not_assign_a_cadre(
    monitored: MonitoredHousehold, persona: Callable[[str], User]
) -> None:
    with pytest.raises(PermissionDenied):
        svc.cadre_assign(actor=persona("九龙村监委会委员"), monitored=monitored, name="刘")


# ---------------------------------------------------------------- risks


def test_second_open_risk_of_a_type_is_refused(monitored: MonitoredHousehold, cadre: User) -> None:
    today = timezone.localdate()
    # the fixture entered the household with 因病 open
    with pytest.raises(ApplicationError) as err:
        svc.risk_add(
            actor=cadre, monitored=monitored, risk_type=RiskType.ILLNESS, note="", on=today
        )
    assert err.value.code == "risk_open"
    assert "因病" in err.value.message
    risk = svc.risk_add(
        actor=cadre, monitored=monitored, risk_type=RiskType.DISASTER, note="洪灾", on=today
    )
    assert risk.note == "洪灾"
    assert monitored.risks.filter(resolved_on=None).count() == 2
    assert _events("risk_add") == 1


def test_resolved_risk_type_can_be_found_again(monitored: MonitoredHousehold, cadre: User) -> None:
    today = timezone.localdate()
    first = monitored.risks.get()
    svc.risk_resolve(actor=cadre, risk=first, on=today, note="已参加医保并报销")
    again = svc.risk_add(
        actor=cadre, monitored=monitored, risk_type=RiskType.ILLNESS, note="复发", on=today
    )
    assert again.pk != first.pk
    first.refresh_from_db()
    assert first.resolved_on == today and first.resolved_note == "已参加医保并报销"
    assert RiskFactor.objects.filter(monitored=monitored).count() == 2


def test_risk_resolved_twice_is_refused(monitored: MonitoredHousehold, cadre: User) -> None:
    today = timezone.localdate()
    risk = monitored.risks.get()
    svc.risk_resolve(actor=cadre, risk=risk, on=today, note="好转")
    with pytest.raises(ApplicationError) as err:
        svc.risk_resolve(actor=cadre, risk=risk, on=today, note="再次")
    assert err.value.code == "risk_resolved"
    assert RiskFactor.objects.get(pk=risk.pk).resolved_note == "好转"
    assert _events("risk_resolve") == 1


def test_risk_dates_and_types_are_checked(monitored: MonitoredHousehold, cadre: User) -> None:
    today = timezone.localdate()
    with pytest.raises(ApplicationError) as err:
        svc.risk_add(actor=cadre, monitored=monitored, risk_type="ghost", note="", on=today)
    assert err.value.code == "risk_type_invalid"
    with pytest.raises(ApplicationError) as err:
        svc.risk_add(
            actor=cadre, monitored=monitored, risk_type=RiskType.WATER, note="",
            on=today + timedelta(days=1),
        )  # fmt: skip
    assert err.value.code == "date_future"
    risk = monitored.risks.get()
    with pytest.raises(ApplicationError) as err:
        svc.risk_resolve(actor=cadre, risk=risk, on=risk.identified_on - timedelta(days=1),
                         note="早")  # fmt: skip
    assert err.value.code == "date_before_risk"
    with pytest.raises(ApplicationError):
        svc.risk_resolve(actor=cadre, risk=risk, on=today, note="")
    assert monitored.risks.filter(resolved_on=None).count() == 1


def test_no_risk_is_added_to_an_eliminated_household(
    monitored: MonitoredHousehold, cadre: User
) -> None:
    svc.monitoring_eliminate(actor=None, monitored=monitored, on=timezone.localdate())
    with pytest.raises(ApplicationError) as err:
        svc.risk_add(
            actor=cadre, monitored=monitored, risk_type=RiskType.DISASTER, note="",
            on=timezone.localdate(),
        )  # fmt: skip
    assert err.value.code == "monitored_eliminated"


def test_outsider_may_not_touch_risks(
    monitored: MonitoredHousehold, outsider: User, persona: Callable[[str], User]
) -> None:
    today = timezone.localdate()
    for who in (outsider, persona("九龙村监委会委员"), persona("衡山县管理员")):
        with pytest.raises(PermissionDenied):
            svc.risk_add(actor=who, monitored=monitored, risk_type="water", note="", on=today)
        with pytest.raises(PermissionDenied):
            svc.risk_resolve(actor=who, risk=monitored.risks.get(), on=today, note="x")


# ---------------------------------------------------------------- plan


def test_plan_is_saved_and_audited(
    monitored: MonitoredHousehold, persona: Callable[[str], User]
) -> None:
    svc.plan_set(
        actor=persona("九龙村工作队员"), monitored=monitored, plan="  公益性岗位，兜底低保  ",
        no_labour=True,
    )  # fmt: skip
    monitored.refresh_from_db()
    assert (monitored.plan, monitored.no_labour) == ("公益性岗位，兜底低保", True)
    assert _events("plan_set") == 1
    with pytest.raises(ApplicationError):
        svc.plan_set(actor=persona("九龙村工作队员"), monitored=monitored, plan="长" * 2001,
                     no_labour=False)  # fmt: skip
    assert MonitoredHousehold.objects.get(pk=monitored.pk).no_labour is True


# ---------------------------------------------------------------- 脱贫户


def test_exit_record_keeps_year_policies_and_registry_tag(
    household: Household, cadre: User
) -> None:
    record = svc.exit_record_set(
        actor=cadre, household=household, exit_year=2019,
        policies=["医疗保障", "教育资助", "医疗保障"], note="",
    )  # fmt: skip
    assert record.exit_year == 2019
    assert record.policies == ["教育资助", "医疗保障"]  # the order of EXIT_POLICIES
    assert record.county_code == "430423"
    household.refresh_from_db()
    assert "脱贫户" in household.tag_list
    assert AuditEvent.objects.filter(action="registry.household_update").count() == 1
    # set again: the same row, updated; the tag is already there
    svc.exit_record_set(actor=cadre, household=household, exit_year=2020, policies="产业帮扶")
    assert PovertyExit.objects.get().exit_year == 2020
    assert PovertyExit.objects.get().policies == ["产业帮扶"]
    assert AuditEvent.objects.filter(action="registry.household_update").count() == 1
    assert _events("exit_record_set") == 2


@pytest.mark.parametrize("year", [2012, 1990, "next year"])
def test_exit_year_outside_bounds_is_refused(
    household: Household, cadre: User, year: int | str
) -> None:
    if year == "next year":  # the year the test runs in, not the one it was collected in
        year = timezone.localdate().year + 1
    with pytest.raises(ApplicationError) as err:
        svc.exit_record_set(actor=cadre, household=household, exit_year=year, policies=[])
    assert err.value.code == "exit_year_invalid"
    assert err.value.field == "exit_year"
    assert not PovertyExit.objects.exists()
    assert "脱贫户" not in Household.objects.get(pk=household.pk).tag_list


def test_exit_year_bounds_are_inclusive(household: Household, cadre: User) -> None:
    svc.exit_record_set(actor=cadre, household=household, exit_year=2013, policies=[])
    svc.exit_record_set(
        actor=cadre, household=household, exit_year=timezone.localdate().year, policies=[]
    )
    assert PovertyExit.objects.get().exit_year == timezone.localdate().year


def test_unknown_policy_is_refused(household: Household, cadre: User) -> None:
    with pytest.raises(ApplicationError) as err:
        svc.exit_record_set(actor=cadre, household=household, exit_year=2018, policies=["发钱"])
    assert err.value.code == "policy_invalid"
    assert not PovertyExit.objects.exists()


def test_exit_record_outside_scope_is_refused(household: Household, outsider: User) -> None:
    with pytest.raises(PermissionDenied):
        svc.exit_record_set(actor=outsider, household=household, exit_year=2018, policies=[])
    assert not PovertyExit.objects.exists()
