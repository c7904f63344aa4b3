"""The registry's reads: what the list and detail pages show, always within the actor's scope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region, VillageGroup
from cunwu.registry import selectors
from cunwu.registry.models import Household
from cunwu.registry.services import (
    PersonData,
    income_set,
    person_add,
    person_leave,
    person_reveal,
    person_transfer,
)
from cunwu.testing import BALI, JIULONG, make_household, make_id_number


def test_table_annotates_head_masked_id_and_active_member_count(
    staff: User, household: Household
) -> None:
    person_leave(
        actor=staff,
        person=household.members.get(name="张小明"),
        kind="move_out",
        when=date(2023, 1, 1),
    )
    row = selectors.household_table(actor=staff).get()
    head = household.members.get(name="张三")
    assert (row.head_name, row.head_id_masked, row.member_count) == ("张三", head.id_masked, 2)


def test_table_search_by_member_name_counts_each_household_once(
    staff: User, household: Household
) -> None:
    rows = list(selectors.household_table(actor=staff, q="张"))  # two members match
    assert [(r.number, r.member_count) for r in rows] == [("0001", 3)]


def test_table_for_a_dissolved_household_names_the_former_head(
    staff: User, jiulong: Region
) -> None:
    gone = make_household(staff, jiulong, "0003", "孤三")
    person_leave(actor=staff, person=gone.members.get(), kind="death", when=date(2023, 1, 1))
    row = selectors.household_table(actor=staff, status="dissolved").get()
    assert (row.number, row.head_name, row.member_count) == ("0003", "孤三", 0)
    assert list(selectors.household_table(actor=staff)) == []


def test_members_list_the_head_first_and_former_members_last(
    staff: User, household: Household
) -> None:
    son = household.members.get(name="张小明")
    person_leave(actor=staff, person=son, kind="move_out", when=date(2023, 1, 1))
    person_add(
        actor=staff,
        household=household,
        data=PersonData(name="赵六", relation="儿媳", id_number=make_id_number(60)),
    )
    names = [p.name for p in selectors.household_members(household)]
    assert names == ["张三", "李四", "赵六", "张小明"]
    active = [p.name for p in selectors.household_members(household, include_inactive=False)]
    assert active == ["张三", "李四", "赵六"]


def test_incomes_by_year_with_per_capita_over_active_members(
    staff: User, household: Household
) -> None:
    last = timezone.localdate().year - 1
    income_set(actor=staff, household=household, year=last, category="wages", amount_fen=3_000_000)
    income_set(
        actor=staff, household=household, year=last, category="business", amount_fen=1_000_000
    )
    income_set(
        actor=staff,
        household=household,
        year=last,
        category="business_expense",
        amount_fen=400_000,
    )
    income_set(actor=staff, household=household, year=last - 1, category="transfer", amount_fen=7)
    rows = selectors.household_incomes(household=household, members=3)
    assert [(r.year, r.per_capita) for r in rows] == [(last, 1_200_000), (last - 1, 2)]
    assert rows[0].cells == [
        ("工资性收入", 3_000_000),
        ("生产经营性收入", 1_000_000),
        ("财产性收入", None),
        ("转移性收入", None),
        ("生产经营支出", 400_000),
    ]
    assert [r.per_capita for r in selectors.household_incomes(household=household, members=0)] == [
        None,
        None,
    ]


def test_villages_in_scope_by_persona(persona: Callable[[str], User], regions: dict) -> None:
    def codes(who: str, perm: str = "registry.view") -> list[str]:
        return [v.code for v in selectors.villages_in_scope(actor=persona(who), perm=perm)]

    assert codes("九龙村村干部") == [JIULONG]
    assert codes("开云镇干部") == [JIULONG, BALI]
    assert codes("衡山县管理员") == [JIULONG, BALI]
    assert codes("九龙村监委会委员", "registry.edit") == []
    assert codes("另一村的村干部") == ["430422200215"]


def test_village_groups_outside_scope_are_empty(
    persona: Callable[[str], User], jiulong: Region
) -> None:
    VillageGroup.objects.create(village=jiulong, name="第一组", number=1)
    assert [
        g.name for g in selectors.village_groups(actor=persona("开云镇干部"), village=JIULONG)
    ] == ["第一组"]
    assert list(selectors.village_groups(actor=persona("另一村的村干部"), village=JIULONG)) == []


def test_household_find_by_number_within_scope_only(
    persona: Callable[[str], User], household: Household
) -> None:
    found = selectors.household_find(actor=persona("开云镇干部"), village=JIULONG, number=" 0001 ")
    assert found.pk == household.pk
    with pytest.raises(ApplicationError) as err:
        selectors.household_find(actor=persona("八里村村干部"), village=JIULONG, number="0001")
    assert (err.value.message, err.value.field) == ("未找到户编号为0001的户", "number")
    with pytest.raises(ApplicationError):
        selectors.household_find(
            actor=persona("九龙村监委会委员"), village=JIULONG, number="0001", perm="registry.edit"
        )


def test_audit_history_of_a_household_covers_members_and_incomes(
    staff: User, household: Household, jiulong: Region
) -> None:
    other = make_household(staff, jiulong, "0002", "王二")
    income_set(
        actor=staff,
        household=household,
        year=timezone.localdate().year - 1,
        category="wages",
        amount_fen=100,
    )
    person_reveal(actor=staff, person=household.members.get(name="李四"))
    members = list(household.members.all())
    actions = [
        e.action
        for e in selectors.household_audit_history(
            actor=staff, household=household, persons=members
        )
    ]
    assert actions == [
        "registry.reveal_id",
        "registry.income_set",
        "registry.person_registered",
        "registry.person_registered",
        "registry.household_create",
    ]
    assert str(other.pk) not in {
        e.object_id
        for e in selectors.household_audit_history(
            actor=staff, household=household, persons=members
        )
        if e.object_type == "registry.household"
    }


def test_audit_history_is_empty_for_roles_without_view_audit(
    persona: Callable[[str], User], household: Household
) -> None:
    team = persona("九龙村工作队员")
    members = list(household.members.all())
    assert (
        list(selectors.household_audit_history(actor=team, household=household, persons=members))
        == []
    )


def test_audit_history_hides_events_of_chains_outside_scope(
    persona: Callable[[str], User], household: Household, regions: dict[str, Region]
) -> None:
    township = persona("开云镇干部")
    baiguo = make_household(
        township, regions[BALI], "0009", "白九", members=[("白小", "子", make_id_number(61))]
    )
    mover = baiguo.members.get(name="白小")
    person_transfer(
        actor=township, person=mover, to_household=household, relation="其他", when=date(2023, 1, 1)
    )
    staff = persona("九龙村村干部")
    seen_by_staff = [
        (e.region_id, e.action)
        for e in selectors.audit_history(
            actor=staff, object_type="registry.person", object_id=str(mover.pk), region=JIULONG
        )
    ]
    assert seen_by_staff == [(JIULONG, "registry.person_transfer")]
    seen_by_township = [
        (e.region_id, e.action)
        for e in selectors.audit_history(
            actor=township, object_type="registry.person", object_id=str(mover.pk), region=JIULONG
        )
    ]
    assert seen_by_township == [
        (BALI, "registry.person_registered"),
        (JIULONG, "registry.person_transfer"),
        (BALI, "registry.person_transfer"),
    ]
    page_events = selectors.household_audit_history(
        actor=staff, household=household, persons=[mover]
    )
    assert {e.region_id for e in page_events} == {JIULONG}
