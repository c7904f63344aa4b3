from __future__ import annotations

import ast
import inspect
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from cunwu.accounts.models import User
from cunwu.accounts.permissions import require
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent, Region, VillageGroup
from cunwu.core.services import groups as groups_module
from cunwu.core.services.groups import group_create, group_rename
from cunwu.registry.models import Household, HouseholdStatus
from cunwu.testing import BALI, JIULONG, KAIYUN, YANJIANG, make_household

Persona = Callable[[str], User]

# persona → status of /groups/ (core.manage_groups: village staff, township staff, county admin)
LIST_ACCESS = {
    "九龙村村干部": 200,
    "开云镇干部": 200,
    "衡山县管理员": 200,
    "另一村的村干部": 200,
    "九龙村监委会委员": 403,
    "九龙村工作队员": 403,
    "九龙村村民": 403,
    "衡山县部门用户": 403,
}


@pytest.fixture
def groups(persona: Persona, regions: dict[str, Region]) -> dict[str, VillageGroup]:
    """一组 and 二组 in 九龙, 一组 in 八里, 一组 in 沿江 (another county)."""
    out = {}
    for key, code, actor, name in [
        ("九龙一组", JIULONG, "九龙村村干部", "一组"),
        ("九龙二组", JIULONG, "九龙村村干部", "二组"),
        ("八里一组", BALI, "八里村村干部", "一组"),
        ("沿江一组", YANJIANG, "另一村的村干部", "一组"),
    ]:
        out[key] = group_create(
            actor=persona(actor), village=regions[code], name=name, authorize=require
        )
    return out


def _as(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


# ---------------------------------------------------------------- the service


def test_core_groups_module_imports_no_other_app() -> None:
    tree = ast.parse(inspect.getsource(groups_module))
    imported = {
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert not {m for m in imported if m.startswith("cunwu.") and not m.startswith("cunwu.core")}


def test_group_create_numbers_groups_in_order_and_audits(
    groups: dict[str, VillageGroup],
) -> None:
    assert (groups["九龙一组"].number, groups["九龙二组"].number) == (1, 2)
    event = AuditEvent.objects.get(action="core.group_create", object_id=str(groups["九龙二组"].pk))
    assert event.region_id == JIULONG
    assert event.payload == {"name": "二组", "number": 2}


def test_group_create_checks_permission_before_anything(
    persona: Persona, regions: dict[str, Region]
) -> None:
    for name in ("九龙村监委会委员", "八里村村干部", "另一村的村干部"):
        with pytest.raises(PermissionDenied):
            group_create(
                actor=persona(name), village=regions[JIULONG], name="一组", authorize=require
            )
    assert not VillageGroup.objects.exists()
    assert not AuditEvent.objects.exists()


def test_group_create_refuses_a_township(persona: Persona, regions: dict[str, Region]) -> None:
    with pytest.raises(ApplicationError, match="村民小组只能建在村（社区）下"):
        group_create(
            actor=persona("开云镇干部"), village=regions[KAIYUN], name="一组", authorize=require
        )


def test_group_rename_refuses_a_name_taken_in_the_same_village(
    persona: Persona, groups: dict[str, VillageGroup]
) -> None:
    with pytest.raises(ApplicationError, match="本村已有“二组”"):
        group_rename(
            actor=persona("九龙村村干部"),
            group=groups["九龙一组"],
            name="二组",
            authorize=require,
        )
    # the same name in another village is fine
    group_rename(
        actor=persona("八里村村干部"), group=groups["八里一组"], name="二组", authorize=require
    )
    assert VillageGroup.objects.get(pk=groups["八里一组"].pk).name == "二组"


# ---------------------------------------------------------------- list


@pytest.mark.parametrize(("name", "status"), LIST_ACCESS.items())
def test_group_list_access_by_role(
    client: Client, persona: Persona, groups: dict[str, VillageGroup], name: str, status: int
) -> None:
    assert _as(client, persona(name)).get("/groups/").status_code == status


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("九龙村村干部", {"九龙一组", "九龙二组"}),
        ("八里村村干部", {"八里一组"}),
        ("开云镇干部", {"九龙一组", "九龙二组", "八里一组"}),
        ("衡山县管理员", {"九龙一组", "九龙二组", "八里一组"}),
        ("另一村的村干部", {"沿江一组"}),
    ],
)
def test_group_list_shows_only_groups_in_scope(
    client: Client, persona: Persona, groups: dict[str, VillageGroup], name: str, expected: set[str]
) -> None:
    response = _as(client, persona(name)).get("/groups/")
    keys = {k for k, g in groups.items() if g in response.context["page"].object_list}
    assert keys == expected


def test_group_list_counts_active_households(
    client: Client, persona: Persona, groups: dict[str, VillageGroup], jiulong: Region
) -> None:
    staff = persona("九龙村村干部")
    numbers = ["0001", "0002", "0003"]
    for number in numbers:
        make_household(staff, jiulong, number)
    Household.objects.filter(number__in=numbers).update(group=groups["九龙一组"])
    Household.objects.filter(number="0003").update(status=HouseholdStatus.DISSOLVED)
    response = _as(client, staff).get("/groups/")
    counts = {g.name: g.household_count for g in response.context["page"].object_list}
    assert counts == {"一组": 2, "二组": 0}


def test_group_list_filters_by_village(
    client: Client, persona: Persona, groups: dict[str, VillageGroup]
) -> None:
    response = _as(client, persona("开云镇干部")).get("/groups/", {"region": BALI})
    assert list(response.context["page"].object_list) == [groups["八里一组"]]


def test_group_list_ignores_a_village_outside_scope(
    client: Client, persona: Persona, groups: dict[str, VillageGroup]
) -> None:
    response = _as(client, persona("九龙村村干部")).get("/groups/", {"region": BALI})
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert groups["八里一组"] not in response.context["page"].object_list


def test_group_list_query_count_is_bounded(
    client: Client,
    persona: Persona,
    jiulong: Region,
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    staff = persona("开云镇干部")
    for i in range(30):
        VillageGroup.objects.create(village=jiulong, name=f"第{i + 1}组", number=i + 1)
    _as(client, staff)
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        response = client.get("/groups/")
    assert len(response.context["page"].object_list) == 30


# ---------------------------------------------------------------- create


def test_group_create_page_creates_and_redirects(
    client: Client, persona: Persona, regions: dict[str, Region]
) -> None:
    _as(client, persona("开云镇干部"))
    assert client.get("/groups/new/").status_code == 200
    response = client.post("/groups/new/", {"region": BALI, "name": " 三组 ", "number": ""})
    assert response.status_code == 302
    assert response["Location"] == f"/groups/?region={BALI}"
    group = VillageGroup.objects.get(village_id=BALI)
    assert (group.name, group.number) == ("三组", 1)


@pytest.mark.parametrize("name", ["九龙村监委会委员", "九龙村村民", "衡山县部门用户"])
def test_group_create_page_is_forbidden_without_the_permission(
    client: Client, persona: Persona, regions: dict[str, Region], name: str
) -> None:
    _as(client, persona(name))
    assert client.get("/groups/new/").status_code == 403
    assert client.post("/groups/new/", {"region": JIULONG, "name": "一组"}).status_code == 403
    assert not VillageGroup.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"region": JIULONG, "name": "一组"}, "本村已有“一组”"),
        ({"region": JIULONG, "name": "   "}, "这个字段是必填项"),
        ({"region": JIULONG, "name": "甲" * 51}, "不超过 50 字符"),
        ({"region": BALI, "name": "三组"}, "选择一个有效的选项"),
        ({"region": JIULONG, "name": "三组", "number": "0"}, "大于或等于1"),
        ({"region": JIULONG, "name": "三组", "number": "abc"}, "输入整数"),
    ],
)
def test_group_create_bad_input_shows_the_error_and_creates_nothing(
    client: Client,
    persona: Persona,
    groups: dict[str, VillageGroup],
    data: dict[str, str],
    message: str,
) -> None:
    before = VillageGroup.objects.count()
    response = _as(client, persona("九龙村村干部")).post("/groups/new/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert VillageGroup.objects.count() == before


# ---------------------------------------------------------------- rename


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("九龙村村干部", 200),
        ("开云镇干部", 200),
        ("衡山县管理员", 200),
        ("八里村村干部", 404),
        ("另一村的村干部", 404),
        ("九龙村监委会委员", 403),
        ("九龙村村民", 403),
    ],
)
def test_group_rename_page_access(
    client: Client, persona: Persona, groups: dict[str, VillageGroup], name: str, status: int
) -> None:
    url = f"/groups/{groups['九龙一组'].pk}/rename/"
    _as(client, persona(name))
    assert client.get(url).status_code == status
    if status != 200:
        assert client.post(url, {"name": "新名"}).status_code == status
        assert VillageGroup.objects.get(pk=groups["九龙一组"].pk).name == "一组"


def test_group_rename_page_renames_and_audits(
    client: Client, persona: Persona, groups: dict[str, VillageGroup]
) -> None:
    group = groups["九龙一组"]
    response = _as(client, persona("九龙村村干部")).post(
        f"/groups/{group.pk}/rename/", {"name": "红星组"}
    )
    assert response.status_code == 302
    assert VillageGroup.objects.get(pk=group.pk).name == "红星组"
    event = AuditEvent.objects.get(action="core.group_rename")
    assert event.payload == {"old": "一组", "new": "红星组"}


def test_group_rename_to_a_taken_name_shows_the_error(
    client: Client, persona: Persona, groups: dict[str, VillageGroup]
) -> None:
    group = groups["九龙一组"]
    response = _as(client, persona("九龙村村干部")).post(
        f"/groups/{group.pk}/rename/", {"name": "二组"}
    )
    assert response.status_code == 200
    assert "本村已有“二组”" in response.content.decode()
    assert VillageGroup.objects.get(pk=group.pk).name == "一组"
    assert not AuditEvent.objects.filter(action="core.group_rename").exists()


def test_group_rename_of_a_missing_group_is_404(client: Client, persona: Persona) -> None:
    assert _as(client, persona("九龙村村干部")).get("/groups/999999/rename/").status_code == 404
