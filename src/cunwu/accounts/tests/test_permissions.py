from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied

from cunwu.accounts.models import User
from cunwu.accounts.permissions import (
    has_perm_in,
    regions_in_scope,
    require,
    scope_prefixes,
    user_scope_name,
)
from cunwu.core.models import Region, RegionLevel
from cunwu.registry.selectors import household_list
from cunwu.testing import BALI, JIULONG, YANJIANG, make_household

# persona → (may view 九龙, may edit 九龙, may view 八里, may view 沿江)
SCOPES = {
    "九龙村村干部": (True, True, False, False),
    "九龙村监委会委员": (True, False, False, False),
    "九龙村工作队员": (True, False, False, False),
    "九龙村村民": (False, False, False, False),
    "开云镇干部": (True, True, True, False),
    "衡山县管理员": (True, True, True, False),
    "衡山县部门用户": (True, False, True, False),
    "另一村的村干部": (False, False, False, True),
    "八里村村干部": (False, False, True, False),
}


@pytest.mark.parametrize(("name", "expected"), SCOPES.items())
def test_each_role_sees_and_edits_only_inside_its_region(
    persona: Callable[[str], User], name: str, expected: tuple[bool, bool, bool, bool]
) -> None:
    user = persona(name)
    got = (
        has_perm_in(user, "registry.view", JIULONG),
        has_perm_in(user, "registry.edit", JIULONG),
        has_perm_in(user, "registry.view", BALI),
        has_perm_in(user, "registry.view", YANJIANG),
    )
    assert got == expected
    if not expected[1]:
        with pytest.raises(PermissionDenied):
            require(user, "registry.edit", JIULONG)


@pytest.mark.parametrize(("name", "expected"), SCOPES.items())
def test_household_list_returns_only_households_in_scope(
    persona: Callable[[str], User],
    regions: dict[str, Region],
    name: str,
    expected: tuple[bool, bool, bool, bool],
) -> None:
    make_household(persona("九龙村村干部"), regions[JIULONG], "0001")
    make_household(persona("八里村村干部"), regions[BALI], "0002")
    make_household(persona("另一村的村干部"), regions[YANJIANG], "0003")
    seen = set(household_list(actor=persona(name)).values_list("number", flat=True))
    want = {
        n
        for n, ok in zip(["0001", "0002", "0003"], expected[0:1] + expected[2:], strict=True)
        if ok
    }
    assert seen == want


def test_a_user_without_assignments_has_no_scope(db: None) -> None:
    user = User.objects.create_user(username="nobody", password="x-Long-password-1")
    assert scope_prefixes(user, "registry.view") == []
    assert list(household_list(actor=user)) == []
    assert user_scope_name(user) == "村务"


def test_superuser_has_every_scope(db: None) -> None:
    root = User.objects.create_superuser(username="root", password="x-Long-password-1")
    assert scope_prefixes(root, "registry.edit") is None
    assert has_perm_in(root, "accounts.manage_roles", YANJIANG)


def test_township_scope_lists_its_villages_and_names_itself(
    persona: Callable[[str], User],
) -> None:
    user = persona("开云镇干部")
    villages = list(
        regions_in_scope(user, "registry.view", level=RegionLevel.VILLAGE).values_list(
            "code", flat=True
        )
    )
    assert villages == [JIULONG, BALI]
    assert user_scope_name(user) == "衡山县开云镇"
    assert scope_prefixes(user, "registry.view") == ["430423100"]
