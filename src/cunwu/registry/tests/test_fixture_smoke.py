from cunwu.registry.models import Household, PersonStatus


def test_household_fixture_has_three_active_members(household: Household) -> None:
    members = household.members.filter(status=PersonStatus.ACTIVE)
    assert sorted(members.values_list("name", flat=True)) == ["张三", "张小明", "李四"]
    wife = household.members.get(name="李四")
    assert (wife.gender, str(wife.birth_date)) == ("女", "1972-03-04")
    head = household.members.get(name="张三")
    assert head.id_masked == "430423********0015"
    assert head.id_tail == "010015"
