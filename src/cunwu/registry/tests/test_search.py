from __future__ import annotations

import pytest
from django.test import Client

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.registry.models import Household
from cunwu.registry.selectors import household_list, scope_counts
from cunwu.testing import JIULONG, make_household, make_id_number


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("0001", True),
        ("李四", True),
        ("0028", True),  # last digits of 李四's ID number
        (make_id_number(2, birth="19720304"), True),  # a whole ID, through its blind index
        (make_id_number(2, birth="19720304")[:-1] + "0", False),  # bad check digit
        (make_id_number(4, birth="19720304"), False),
        ("王五", False),
    ],
)
def test_search_by_number_name_id_tail_or_whole_id(
    household: Household, staff: User, q: str, found: bool
) -> None:
    assert list(household_list(actor=staff, q=q)) == ([household] if found else [])


def test_households_without_a_tag_count_as_general(staff: User, jiulong: Region) -> None:
    make_household(staff, jiulong, "0001", head_id=make_id_number(1))
    make_household(staff, jiulong, "0002", head_id=make_id_number(2), tags="脱贫户、低保户")
    make_household(staff, jiulong, "0003", head_id=make_id_number(3), tags="一般户")
    counts = dict(scope_counts(actor=staff)["by_tag"])
    assert counts == {"脱贫户": 1, "监测户": 0, "低保户": 1, "特困供养": 0, "一般户": 2}
    numbers = [h.number for h in household_list(actor=staff, tag="一般户")]
    assert numbers == ["0001", "0003"]


def test_export_link_on_the_list_carries_the_chosen_village(
    client: Client, household: Household, staff: User
) -> None:
    client.force_login(staff)
    page = client.get("/registry/households/", {"region": JIULONG}).content.decode()
    assert f'href="/registry/export/?region={JIULONG}"' in page
    page = client.get("/registry/households/").content.decode()
    assert 'href="/registry/export/"' in page
