from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.registry.models import Household, Person
from cunwu.registry.services import household_merge, household_split, person_transfer
from cunwu.testing import make_household, make_id_number


@pytest.fixture
def other(staff: User, jiulong: Region) -> Household:
    return make_household(staff, jiulong, "0002", "王五", head_id=make_id_number(9))


def _tomorrow():  # type: ignore[no-untyped-def]
    return timezone.localdate() + timedelta(days=1)


def _snapshot() -> list[tuple[object, ...]]:
    return list(Person.objects.order_by("pk").values_list("pk", "household_id", "relation"))


def test_transfer_split_and_merge_refuse_a_future_date(
    household: Household, other: Household, staff: User
) -> None:
    son = household.members.get(name="张小明")
    before = _snapshot()
    attempts = [
        lambda: person_transfer(
            actor=staff, person=son, to_household=other, relation="其他", when=_tomorrow()
        ),
        lambda: household_split(
            actor=staff, household=household, members=[son], new_head=son, relations={},
            number="0003", when=_tomorrow(),
        ),
        lambda: household_merge(
            actor=staff, source=other, target=household, relations={}, when=_tomorrow()
        ),
    ]  # fmt: skip
    for attempt in attempts:
        with pytest.raises(ApplicationError) as info:
            attempt()
        assert (info.value.code, info.value.message) == ("date_future", "日期不能晚于今天")
    assert _snapshot() == before
    assert Household.objects.count() == 2


def test_a_household_cannot_be_registered_tomorrow(staff: User, jiulong: Region) -> None:
    from cunwu.registry.services import PersonData, household_create

    with pytest.raises(ApplicationError) as info:
        household_create(
            actor=staff, village=jiulong, number="0009", when=_tomorrow(),
            head=PersonData(name="王五", relation="户主", id_number=make_id_number(9)),
        )  # fmt: skip
    assert info.value.code == "date_future"
    assert not Household.objects.exists()


def test_person_update_audits_each_changed_field_but_not_health_details(
    household: Household, staff: User
) -> None:
    from cunwu.core.models import AuditEvent
    from cunwu.registry.services import PersonData, person_update
    from cunwu.registry.views import describe_event

    son = household.members.get(name="张小明")
    data = PersonData(
        name="张小明", relation="子", education="大学本科", health="患有高血压",
        medical_insurance=True,
    )  # fmt: skip
    person_update(actor=staff, person=son, data=data)
    event = AuditEvent.objects.filter(action="registry.person_update").get()
    assert event.payload["changed"] == {
        "education": ["", "大学本科"], "health": "已修改", "medical_insurance": [False, True],
    }  # fmt: skip
    assert "高血压" not in str(event.payload)
    text = describe_event(event.action, event.payload)
    assert text == "文化程度：— → 大学本科；健康状况：已修改；参加医保：否 → 是"
