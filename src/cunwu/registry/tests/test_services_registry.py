"""The registry's services: exact resulting state, the audit events they append, bad inputs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent, Region
from cunwu.core.services.audit import audit_verify
from cunwu.registry.models import (
    Household,
    HouseholdStatus,
    IncomeCategory,
    IncomeRecord,
    LifeEvent,
    Person,
    PersonStatus,
)
from cunwu.registry.services import (
    PersonData,
    head_change,
    household_create,
    household_merge,
    household_split,
    household_update,
    income_set,
    per_capita_net_income,
    person_add,
    person_id_number,
    person_leave,
    person_phone,
    person_reveal,
    person_transfer,
    person_update,
)
from cunwu.testing import BALI, JIULONG, make_household, make_id_number


def _actions(region: str = JIULONG) -> list[str]:
    return list(
        AuditEvent.objects.filter(region_id=region).order_by("seq").values_list("action", flat=True)
    )


def _active(household: Household) -> list[tuple[str, str]]:
    return sorted(
        household.members.filter(status=PersonStatus.ACTIVE).values_list("name", "relation")
    )


def _counts() -> tuple[int, int, int, int]:
    return (
        Household.objects.count(),
        Person.objects.count(),
        LifeEvent.objects.count(),
        AuditEvent.objects.count(),
    )


# ---------------------------------------------------------------- household_create


def test_household_create_stores_head_encrypted_and_appends_one_audit_event(
    staff: User, jiulong: Region
) -> None:
    id_number = make_id_number(11, birth="19650315")
    household = household_create(
        actor=staff,
        village=jiulong,
        number="0100",
        address="九龙村3组",
        tags=["低保户", "脱贫户"],
        head=PersonData(name="王五", relation="户主", id_number=id_number, phone="13812345678"),
    )
    assert (household.number, household.county_code, household.tags) == (
        "0100",
        "430423",
        "|脱贫户|低保户|",
    )
    head = household.members.get()
    assert (head.name, head.relation, head.gender, head.birth_date) == (
        "王五",
        "户主",
        "男",
        date(1965, 3, 15),
    )
    assert head.id_masked == id_number[:6] + "********" + id_number[-4:]
    assert id_number not in head.id_number_enc
    assert person_id_number(head) == id_number
    assert (head.phone_masked, person_phone(head)) == ("138****5678", "13812345678")
    assert list(LifeEvent.objects.values_list("kind", "person__name")) == [("registered", "王五")]
    event = AuditEvent.objects.get()
    assert (event.action, event.object_id) == ("registry.household_create", str(household.pk))
    assert event.payload["head"]["id_masked"] == head.id_masked
    assert id_number not in str(event.payload)
    assert audit_verify() == (1, None)


def test_household_create_with_bad_check_digit_changes_nothing(
    staff: User, jiulong: Region
) -> None:
    good = make_id_number(12)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ApplicationError) as err:
        household_create(
            actor=staff,
            village=jiulong,
            number="0100",
            head=PersonData(name="王五", relation="户主", id_number=bad),
        )
    assert (err.value.code, err.value.field) == ("id_number_check_digit", "id_number")
    assert f"应为{good[17]}" in err.value.message
    assert _counts() == (0, 0, 0, 0)


def test_household_create_refuses_taken_number_in_same_village(
    staff: User, household: Household, jiulong: Region
) -> None:
    before = _counts()
    with pytest.raises(ApplicationError) as err:
        household_create(
            actor=staff,
            village=jiulong,
            number="0001",
            head=PersonData(name="王五", relation="户主", id_number=make_id_number(50)),
        )
    assert (err.value.code, err.value.message) == ("number_taken", "户编号0001在本村已存在")
    assert _counts() == before


def test_duplicate_id_names_the_household_to_whoever_may_see_it(
    staff: User, household: Household, jiulong: Region
) -> None:
    taken = make_id_number(2, birth="19720304")  # 李四 of household 0001
    with pytest.raises(ApplicationError) as err:
        household_create(
            actor=staff,
            village=jiulong,
            number="0002",
            head=PersonData(name="李四", relation="户主", id_number=taken),
        )
    assert err.value.code == "id_number_duplicate"
    assert err.value.message == "公民身份号码已登记在九龙村委会户0001（李四）"


def test_duplicate_id_in_another_village_is_not_named_to_an_outsider(
    persona: Callable[[str], User], household: Household, regions: dict[str, Region]
) -> None:
    taken = make_id_number(2, birth="19720304")
    before = _counts()
    with pytest.raises(ApplicationError) as err:
        household_create(
            actor=persona("八里村村干部"),
            village=regions[BALI],
            number="0001",
            head=PersonData(name="李四", relation="户主", id_number=taken),
        )
    assert (err.value.code, err.value.message) == (
        "id_number_duplicate",
        "公民身份号码已登记在其他户",
    )
    assert "0001" not in err.value.message
    assert _counts() == before


def test_duplicate_id_is_named_to_a_township_user_who_sees_both_villages(
    persona: Callable[[str], User], household: Household, regions: dict[str, Region]
) -> None:
    with pytest.raises(ApplicationError) as err:
        household_create(
            actor=persona("开云镇干部"),
            village=regions[BALI],
            number="0001",
            head=PersonData(
                name="李四", relation="户主", id_number=make_id_number(2, birth="19720304")
            ),
        )
    assert err.value.message == "公民身份号码已登记在九龙村委会户0001（李四）"


def test_supervisor_may_not_create_a_household(
    persona: Callable[[str], User], jiulong: Region
) -> None:
    with pytest.raises(PermissionDenied):
        household_create(
            actor=persona("九龙村监委会委员"),
            village=jiulong,
            number="0100",
            head=PersonData(name="王五", relation="户主", id_number=make_id_number(13)),
        )
    assert _counts() == (0, 0, 0, 0)


def test_rare_characters_are_kept_exactly(staff: User, jiulong: Region) -> None:
    household = household_create(
        actor=staff,
        village=jiulong,
        number="0200",
        head=PersonData(name="𠮷䶮", relation="户主", id_number=make_id_number(14)),
    )
    person_add(
        actor=staff,
        household=household,
        data=PersonData(name="王䶮𠮷", relation="子", id_number=make_id_number(15)),
    )
    names = list(Person.objects.order_by("id").values_list("name", flat=True))
    assert names == ["𠮷䶮", "王䶮𠮷"]
    assert [len(n) for n in names] == [2, 3]
    assert AuditEvent.objects.get(action="registry.household_create").payload["head"]["name"] == (
        "𠮷䶮"
    )


# ---------------------------------------------------------------- household_update


def test_household_update_records_before_and_after(staff: User, household: Household) -> None:
    household_update(
        actor=staff, household=household, group=None, address="九龙村5组", tags="低保户"
    )
    household.refresh_from_db()
    assert (household.address, household.tags) == ("九龙村5组", "|低保户|")
    event = AuditEvent.objects.filter(action="registry.household_update").get()
    assert event.payload == {
        "before": {"group": "", "address": "", "tags": ""},
        "after": {"group": "", "address": "九龙村5组", "tags": "|低保户|"},
    }


def test_household_update_refuses_unknown_tag(staff: User, household: Household) -> None:
    with pytest.raises(ApplicationError) as err:
        household_update(actor=staff, household=household, group=None, address="", tags="富裕户")
    assert (err.value.code, err.value.field) == ("tag_invalid", "tags")


# ---------------------------------------------------------------- person_add


def test_second_head_is_refused(staff: User, household: Household) -> None:
    before = _counts()
    with pytest.raises(ApplicationError) as err:
        person_add(
            actor=staff,
            household=household,
            data=PersonData(name="张四", relation="户主", id_number=make_id_number(20)),
        )
    assert (err.value.code, err.value.message) == ("head_exists", "该户已有户主")
    assert _counts() == before


def test_birth_with_pending_id_and_reason_is_recorded(staff: User, household: Household) -> None:
    born = timezone.localdate() - timedelta(days=10)
    baby = person_add(
        actor=staff,
        household=household,
        kind="birth",
        when=born,
        data=PersonData(
            name="张小宝",
            relation="孙子",
            id_pending_reason="新生儿未落户",
            gender="男",
            birth_date=born,
        ),
    )
    baby.refresh_from_db()
    assert (baby.id_number_index, baby.id_masked, baby.id_pending_reason) == (
        None,
        "",
        "新生儿未落户",
    )
    assert (baby.gender, baby.birth_date) == ("男", born)
    event = LifeEvent.objects.filter(person=baby).get()
    assert (event.kind, event.date) == ("birth", born)
    assert _actions()[-1] == "registry.person_birth"


def test_birth_without_id_or_reason_is_refused(staff: User, household: Household) -> None:
    before = _counts()
    with pytest.raises(ApplicationError) as err:
        person_add(
            actor=staff,
            household=household,
            kind="birth",
            data=PersonData(name="张小宝", relation="孙子"),
        )
    assert (err.value.code, err.value.field) == ("id_number_missing", "id_number")
    assert _counts() == before


def test_later_id_number_for_a_pending_member_records_id_assigned(
    staff: User, household: Household
) -> None:
    baby = person_add(
        actor=staff,
        household=household,
        kind="birth",
        data=PersonData(name="张小宝", relation="孙子", id_pending_reason="新生儿未落户"),
    )
    id_number = make_id_number(21, birth="20230101")
    person_update(
        actor=staff,
        person=baby,
        data=PersonData(name="张小宝", relation="孙子", id_number=id_number),
    )
    baby.refresh_from_db()
    assert (person_id_number(baby), baby.id_pending_reason, baby.birth_date) == (
        id_number,
        "",
        date(2023, 1, 1),
    )
    assert list(baby.life_events.order_by("id").values_list("kind", flat=True)) == [
        "birth",
        "id_assigned",
    ]


def test_person_update_with_blank_id_and_phone_keeps_the_recorded_ones(
    staff: User, household: Household
) -> None:
    wife = household.members.get(name="李四")
    person_update(
        actor=staff,
        person=wife,
        data=PersonData(name="李四", relation="配偶", phone="13900001111"),
    )
    person_update(
        actor=staff, person=wife, data=PersonData(name="李四", relation="配偶", health="健康")
    )
    wife.refresh_from_db()
    assert person_id_number(wife) == make_id_number(2, birth="19720304")
    assert (person_phone(wife), wife.health) == ("13900001111", "健康")


def test_person_update_cannot_demote_the_head(staff: User, household: Household) -> None:
    head = household.members.get(name="张三")
    with pytest.raises(ApplicationError) as err:
        person_update(actor=staff, person=head, data=PersonData(name="张三", relation="父亲"))
    assert err.value.code == "head_required"
    head.refresh_from_db()
    assert head.relation == "户主"


# ---------------------------------------------------------------- head_change and leaving


def test_head_change_swaps_relations_and_audits(staff: User, household: Household) -> None:
    son = household.members.get(name="张小明")
    head_change(actor=staff, household=household, new_head=son, old_head_relation="父亲")
    assert _active(household) == [("张三", "父亲"), ("张小明", "户主"), ("李四", "配偶")]
    event = AuditEvent.objects.filter(action="registry.head_change").get()
    assert event.payload == {"new_head": "张小明", "old_head": "张三"}


def test_head_cannot_leave_while_others_remain(staff: User, household: Household) -> None:
    head = household.members.get(name="张三")
    before = _counts()
    with pytest.raises(ApplicationError) as err:
        person_leave(actor=staff, person=head, kind="death", when=timezone.localdate())
    assert (err.value.code, err.value.message) == ("head_leaving", "户主变动前请先为本户指定新户主")
    assert _counts() == before
    head.refresh_from_db()
    assert head.status == PersonStatus.ACTIVE


def test_marriage_out_keeps_the_person_on_record(staff: User, household: Household) -> None:
    son = household.members.get(name="张小明")
    person_leave(actor=staff, person=son, kind="marriage_out", when=date(2023, 5, 1), note="嫁娶")
    son.refresh_from_db()
    assert son.status == PersonStatus.MARRIED_OUT
    assert _active(household) == [("张三", "户主"), ("李四", "配偶")]
    event = LifeEvent.objects.get(person=son, kind="marriage_out")
    assert (event.date, event.details) == (date(2023, 5, 1), {"note": "嫁娶"})
    assert _actions()[-1] == "registry.person_marriage_out"


def test_leaving_twice_is_refused(staff: User, household: Household) -> None:
    son = household.members.get(name="张小明")
    person_leave(actor=staff, person=son, kind="move_out", when=date(2023, 5, 1))
    with pytest.raises(ApplicationError) as err:
        person_leave(actor=staff, person=son, kind="death", when=date(2023, 6, 1))
    assert (err.value.code, err.value.message) == ("person_inactive", "张小明已不在册")


def test_departure_dated_in_the_future_is_refused(staff: User, household: Household) -> None:
    son = household.members.get(name="张小明")
    with pytest.raises(ApplicationError) as err:
        person_leave(
            actor=staff, person=son, kind="death", when=timezone.localdate() + timedelta(days=1)
        )
    assert (err.value.code, err.value.field) == ("date_future", "date")


def test_death_of_the_last_member_dissolves_the_household(staff: User, jiulong: Region) -> None:
    household = make_household(staff, jiulong, "0300", "孤老人")
    person = household.members.get()
    person_leave(actor=staff, person=person, kind="death", when=date(2023, 12, 1))
    household.refresh_from_db()
    person.refresh_from_db()
    assert (household.status, person.status) == (HouseholdStatus.DISSOLVED, PersonStatus.DECEASED)
    assert _actions() == ["registry.household_create", "registry.person_death"]
    with pytest.raises(ApplicationError) as err:
        person_add(
            actor=staff,
            household=household,
            data=PersonData(name="新人", relation="子", id_number=make_id_number(30)),
        )
    assert err.value.code == "household_dissolved"


# ---------------------------------------------------------------- transfer, split, merge


def test_transfer_moves_one_member_and_records_both_households(
    staff: User, household: Household, jiulong: Region
) -> None:
    other = make_household(staff, jiulong, "0002", "王大")
    son = household.members.get(name="张小明")
    person_transfer(
        actor=staff, person=son, to_household=other, relation="女婿", when=date(2023, 8, 8)
    )
    assert _active(household) == [("张三", "户主"), ("李四", "配偶")]
    assert _active(other) == [("张小明", "女婿"), ("王大", "户主")]
    assert LifeEvent.objects.filter(kind="transfer").count() == 2
    event = AuditEvent.objects.filter(action="registry.person_transfer").get()
    assert (event.payload["from"], event.payload["to"]) == ("0001", "0002")


def test_split_moves_exactly_the_chosen_members(staff: User, household: Household) -> None:
    son = household.members.get(name="张小明")
    person_add(
        actor=staff,
        household=household,
        kind="marriage_in",
        data=PersonData(name="赵六", relation="儿媳", id_number=make_id_number(40)),
    )
    bride = household.members.get(name="赵六")
    new = household_split(
        actor=staff,
        household=household,
        members=[son, bride],
        new_head=son,
        relations={bride.pk: "配偶"},
        number="0001-1",
        when=date(2023, 9, 9),
    )
    assert (new.number, new.village_id, new.status) == ("0001-1", JIULONG, "active")
    assert _active(household) == [("张三", "户主"), ("李四", "配偶")]
    assert _active(new) == [("张小明", "户主"), ("赵六", "配偶")]
    event = AuditEvent.objects.filter(action="registry.household_split").get()
    assert event.payload["members"] == ["张小明", "赵六"]
    assert audit_verify()[1] is None


def test_split_of_the_head_is_refused_and_changes_nothing(
    staff: User, household: Household
) -> None:
    head = household.members.get(name="张三")
    before = _counts()
    with pytest.raises(ApplicationError) as err:
        household_split(
            actor=staff,
            household=household,
            members=[head],
            new_head=head,
            relations={},
            number="0009",
            when=date(2023, 9, 9),
        )
    assert err.value.code == "head_leaving"
    assert _counts() == before


def test_split_member_without_relation_rolls_back_the_new_household(
    staff: User, household: Household
) -> None:
    son = household.members.get(name="张小明")
    wife = household.members.get(name="李四")
    before = _counts()
    with pytest.raises(ApplicationError) as err:
        household_split(
            actor=staff,
            household=household,
            members=[son, wife],
            new_head=son,
            relations={},
            number="0009",
            when=date(2023, 9, 9),
        )
    assert (err.value.code, err.value.field) == ("relation_invalid", "relation")
    # one member had to stay (the head), so the error is about the missing relation
    assert _counts() == before
    assert not Household.objects.filter(number="0009").exists()


def test_merge_moves_every_active_member_and_dissolves_the_source(
    staff: User, household: Household, jiulong: Region
) -> None:
    source = make_household(
        staff, jiulong, "0002", "王大", members=[("王小", "子", make_id_number(41))]
    )
    wang, little = source.members.get(name="王大"), source.members.get(name="王小")
    household_merge(
        actor=staff,
        source=source,
        target=household,
        relations={wang.pk: "兄弟", little.pk: "其他"},
        when=date(2023, 10, 1),
    )
    source.refresh_from_db()
    assert source.status == HouseholdStatus.DISSOLVED
    assert _active(source) == []
    assert _active(household) == [
        ("张三", "户主"),
        ("张小明", "子"),
        ("李四", "配偶"),
        ("王大", "兄弟"),
        ("王小", "其他"),
    ]
    event = AuditEvent.objects.filter(action="registry.household_merge").get()
    assert event.payload["members"] == ["王大", "王小"]


def test_merge_across_villages_is_audited_in_both_chains(
    persona: Callable[[str], User], household: Household, regions: dict[str, Region]
) -> None:
    township = persona("开云镇干部")
    source = make_household(township, regions[BALI], "0007", "白大")
    head = source.members.get()
    household_merge(
        actor=township,
        source=source,
        target=household,
        relations={head.pk: "兄弟"},
        when=date(2023, 10, 1),
    )
    assert _actions(BALI) == ["registry.household_create", "registry.household_merge"]
    assert _actions(JIULONG)[-1] == "registry.household_merge"
    assert audit_verify()[1] is None


def test_merge_as_a_second_head_is_refused(
    staff: User, household: Household, jiulong: Region
) -> None:
    source = make_household(staff, jiulong, "0002", "王大")
    head = source.members.get()
    before = _counts()
    with pytest.raises(ApplicationError) as err:
        household_merge(
            actor=staff,
            source=source,
            target=household,
            relations={head.pk: "户主"},
            when=date(2023, 10, 1),
        )
    assert err.value.code == "head_exists"
    assert _counts() == before


# ---------------------------------------------------------------- incomes


def test_per_capita_net_income_of_the_example_household(staff: User, household: Household) -> None:
    year = timezone.localdate().year - 1
    for category, fen in [
        (IncomeCategory.WAGES, 3_000_000),
        (IncomeCategory.BUSINESS, 1_000_000),
        (IncomeCategory.BUSINESS_EXPENSE, 400_000),
    ]:
        income_set(actor=staff, household=household, year=year, category=category, amount_fen=fen)
    amounts = dict(
        IncomeRecord.objects.filter(household=household, year=year).values_list(
            "category", "amount_fen"
        )
    )
    assert per_capita_net_income(amounts, 3) == 1_200_000
    assert _actions().count("registry.income_set") == 3


def test_income_set_twice_keeps_the_old_figure_in_the_audit_chain(
    staff: User, household: Household
) -> None:
    year = timezone.localdate().year - 1
    income_set(actor=staff, household=household, year=year, category="wages", amount_fen=100)
    income_set(actor=staff, household=household, year=year, category="wages", amount_fen=250)
    assert list(IncomeRecord.objects.values_list("amount_fen", flat=True)) == [250]
    payloads = [
        (e.payload["before"], e.payload["after"])
        for e in AuditEvent.objects.filter(action="registry.income_set").order_by("seq")
    ]
    assert payloads == [(None, 100), (100, 250)]


@pytest.mark.parametrize(
    ("year_delta", "category", "amount", "code"),
    [
        (1, "wages", 100, "year_invalid"),
        (-1, "salary", 100, "category_invalid"),
        (-1, "wages", -1, "amount_negative"),
        (-1, "wages", 100_000_000_01, "amount_too_large"),
    ],
)
def test_bad_income_is_refused(
    *, staff: User, household: Household, year_delta: int, category: str, amount: int, code: str
) -> None:
    with pytest.raises(ApplicationError) as err:
        income_set(
            actor=staff,
            household=household,
            year=timezone.localdate().year + year_delta,
            category=category,
            amount_fen=amount,
        )
    assert err.value.code == code
    assert IncomeRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("net", "members", "expected"),
    [(5, 2, 3), (1, 2, 1), (7, 6, 1), (3_600_000, 3, 1_200_000), (2, 3, 1), (1, 3, 0)],
)
def test_per_capita_rounds_half_up(net: int, members: int, expected: int) -> None:
    assert per_capita_net_income({"wages": net}, members) == expected


def test_per_capita_with_no_members_is_an_error() -> None:
    with pytest.raises(ApplicationError) as err:
        per_capita_net_income({"wages": 100}, 0)
    assert err.value.code == "no_members"


AMOUNT = st.integers(min_value=0, max_value=10**12)


@given(
    wages=AMOUNT,
    business=AMOUNT,
    prop=AMOUNT,
    transfer=AMOUNT,
    expense=AMOUNT,
    members=st.integers(min_value=-5, max_value=30),
)
def test_per_capita_equals_the_decimal_computation(
    *, wages: int, business: int, prop: int, transfer: int, expense: int, members: int
) -> None:
    amounts = {
        "wages": wages,
        "business": business,
        "property": prop,
        "transfer": transfer,
        "business_expense": expense,
    }
    if members <= 0:
        with pytest.raises(ApplicationError):
            per_capita_net_income(amounts, members)
        return
    net = Decimal(wages + business + prop + transfer - expense)
    expected = int((net / Decimal(members)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert per_capita_net_income(amounts, members) == expected


# ---------------------------------------------------------------- person_reveal


def test_reveal_returns_full_numbers_and_is_audited(staff: User, household: Household) -> None:
    wife = household.members.get(name="李四")
    person_update(
        actor=staff, person=wife, data=PersonData(name="李四", relation="配偶", phone="13800138000")
    )
    before = AuditEvent.objects.count()
    assert person_reveal(actor=staff, person=wife) == (
        make_id_number(2, birth="19720304"),
        "13800138000",
    )
    event = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == before + 1
    assert event is not None
    assert (event.action, event.object_type, event.object_id) == (
        "registry.reveal_id",
        "registry.person",
        str(wife.pk),
    )
    assert event.payload == {
        "name": "李四",
        "household": "0001",
        "id_masked": wife.id_masked,
        "phone_masked": "138****8000",
    }


@pytest.mark.parametrize("who", ["九龙村监委会委员", "九龙村工作队员", "另一村的村干部"])
def test_reveal_is_refused_without_view_full_id_there(
    persona: Callable[[str], User], household: Household, who: str
) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        person_reveal(actor=persona(who), person=household.members.get(name="李四"))
    assert AuditEvent.objects.count() == before


def test_everything_above_keeps_the_chain_valid(staff: User, household: Household) -> None:
    person_reveal(actor=staff, person=household.members.get(name="张三"))
    checked, broken = audit_verify()
    assert (checked, broken) == (4, None)
