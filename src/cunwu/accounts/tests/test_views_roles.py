from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from cunwu.accounts.models import ApiToken, Role, RoleAssignment, User
from cunwu.accounts.services import token_create
from cunwu.core.models import Region
from cunwu.testing import BALI, JIULONG, KAIYUN, YANJIANG, business_events, make_user

Persona = Callable[[str], User]

NOT_MANAGERS = ["九龙村村干部", "九龙村村民", "开云镇干部", "衡山县部门用户", "另一村的村干部"]
ADMIN = "衡山县管理员"


def _as(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def _assignment(persona: Persona, name: str) -> RoleAssignment:
    return RoleAssignment.objects.get(user=persona(name))


# ---------------------------------------------------------------- access matrix


@pytest.mark.parametrize(
    "url", ["/accounts/roles/", "/accounts/roles/grant/", "/accounts/users/new/"]
)
@pytest.mark.parametrize(("name", "status"), [(ADMIN, 200)] + [(n, 403) for n in NOT_MANAGERS])
def test_admin_pages_answer_county_admin_and_forbid_other_roles(
    client: Client, persona: Persona, url: str, name: str, status: int
) -> None:
    response = _as(client, persona(name)).get(url)
    assert response.status_code == status
    if status == 403:
        assert "没有权限访问此页面" in response.content.decode()


@pytest.mark.parametrize("url", ["/accounts/roles/", "/accounts/tokens/"])
def test_anonymous_visitors_are_sent_to_log_in(client: Client, db: None, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("target", "status"),
    [("九龙村村干部", 200), ("开云镇干部", 200), ("另一村的村干部", 404)],
)
def test_revoke_page_and_user_page_hide_other_counties(
    client: Client, persona: Persona, target: str, status: int
) -> None:
    assignment = _assignment(persona, target)
    _as(client, persona(ADMIN))
    assert client.get(f"/accounts/roles/{assignment.pk}/revoke/").status_code == status
    assert client.get(f"/accounts/users/{assignment.user_id}/").status_code == status


@pytest.mark.parametrize("name", NOT_MANAGERS)
def test_revoke_and_user_pages_are_forbidden_without_manage_roles(
    client: Client, persona: Persona, name: str
) -> None:
    assignment = _assignment(persona, "九龙村村民")
    _as(client, persona(name))
    assert client.get(f"/accounts/roles/{assignment.pk}/revoke/").status_code == 403
    assert client.post(f"/accounts/roles/{assignment.pk}/revoke/").status_code == 403
    assert client.post(f"/accounts/users/{assignment.user_id}/unlock/").status_code == 403
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


# ---------------------------------------------------------------- list, search, filters


def test_assignment_list_shows_the_county_only_with_masked_phones(
    client: Client, persona: Persona
) -> None:
    for name in ("九龙村村干部", "八里村村干部", "另一村的村干部"):
        persona(name)
    User.objects.filter(username="九龙村村干部").update(phone="13800001111")
    page = _as(client, persona(ADMIN)).get("/accounts/roles/").content.decode()
    assert "九龙村村干部" in page
    assert "八里村村干部" in page
    assert "另一村的村干部" not in page
    assert "138****1111" in page
    assert "13800001111" not in page
    assert "共 3 条" in page  # admin, 九龙, 八里


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "九龙"}, {"九龙村村干部"}),
        ({"q": "13800001111"}, {"九龙村村干部"}),
        ({"role": Role.VILLAGE_STAFF}, {"九龙村村干部", "八里村村干部"}),
        ({"region": BALI}, {"八里村村干部"}),
        ({"region": KAIYUN}, {"九龙村村干部", "八里村村干部", "开云镇干部"}),
        ({"region": KAIYUN, "role": Role.TOWNSHIP_STAFF}, {"开云镇干部"}),
    ],
)
def test_assignment_list_search_and_filters(
    client: Client, persona: Persona, query: dict[str, str], expected: set[str]
) -> None:
    for name in ("九龙村村干部", "八里村村干部", "开云镇干部", "另一村的村干部"):
        persona(name)
    User.objects.filter(username="九龙村村干部").update(phone="13800001111")
    response = _as(client, persona(ADMIN)).get("/accounts/roles/", query)
    assert response.status_code == 200
    shown = {a.user.username for a in response.context["page"].object_list}
    assert shown == expected


def test_assignment_list_refuses_a_region_outside_scope_without_widening(
    client: Client, persona: Persona
) -> None:
    persona("另一村的村干部")
    response = _as(client, persona(ADMIN)).get("/accounts/roles/", {"region": YANJIANG})
    assert response.status_code == 200
    page = response.content.decode()
    assert "选择一个有效的选项" in page
    assert "另一村的村干部" not in page


def test_assignment_list_htmx_returns_only_the_results(client: Client, persona: Persona) -> None:
    response = _as(client, persona(ADMIN)).get(
        "/accounts/roles/", {"q": "管理员"}, headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="results">')
    assert "<html" not in page


def test_assignment_list_query_count_is_bounded(
    client: Client,
    persona: Persona,
    regions: dict[str, Region],
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    for i in range(30):
        make_user(f"村民{i:02d}", Role.VILLAGER, JIULONG if i % 2 else BALI)
    _as(client, persona(ADMIN))
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        response = client.get("/accounts/roles/")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 31


# ---------------------------------------------------------------- grant


def test_grant_form_grants_and_redirects_to_the_user(client: Client, persona: Persona) -> None:
    newcomer = make_user("王五")
    response = _as(client, persona(ADMIN)).post(
        "/accounts/roles/grant/", {"user": "王五", "role": Role.VILLAGER, "region": JIULONG}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/users/{newcomer.pk}/"
    assert RoleAssignment.objects.filter(user=newcomer, role=Role.VILLAGER).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"user": "王五", "role": Role.VILLAGE_STAFF, "region": KAIYUN},
            "“村干部”只能授予村级区划，开云镇是乡镇级",
        ),
        ({"user": "无此人", "role": Role.VILLAGER, "region": JIULONG}, "找不到用户“无此人”"),
        ({"user": "王五", "role": Role.VILLAGER, "region": YANJIANG}, "选择一个有效的选项"),
        ({"user": "王五", "role": "king", "region": JIULONG}, "选择一个有效的选项"),
        ({"user": "", "role": Role.VILLAGER, "region": JIULONG}, "这个字段是必填项"),
    ],
)
def test_grant_form_bad_input_shows_the_chinese_error_and_changes_nothing(
    client: Client, persona: Persona, data: dict[str, str], message: str
) -> None:
    make_user("王五")
    _as(client, persona(ADMIN))
    before = RoleAssignment.objects.count()
    response = client.post("/accounts/roles/grant/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert RoleAssignment.objects.count() == before
    assert not business_events().exists()


def test_grant_form_refuses_a_duplicate(client: Client, persona: Persona) -> None:
    persona("九龙村村干部")
    response = _as(client, persona(ADMIN)).post(
        "/accounts/roles/grant/",
        {"user": "九龙村村干部", "role": Role.VILLAGE_STAFF, "region": JIULONG},
    )
    assert response.status_code == 200
    assert "九龙村村干部已是九龙村委会的村干部" in response.content.decode()


def test_grant_form_offers_only_regions_in_scope(client: Client, persona: Persona) -> None:
    response = _as(client, persona(ADMIN)).get("/accounts/roles/grant/")
    codes = {code for code, _label in response.context["form"].fields["region"].choices}
    assert JIULONG in codes
    assert KAIYUN in codes
    assert YANJIANG not in codes


# ---------------------------------------------------------------- revoke


def test_revoke_asks_then_revokes_on_post(client: Client, persona: Persona) -> None:
    assignment = _assignment(persona, "九龙村村干部")
    _as(client, persona(ADMIN))
    page = client.get(f"/accounts/roles/{assignment.pk}/revoke/").content.decode()
    assert "确定撤销吗" in page
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    response = client.post(f"/accounts/roles/{assignment.pk}/revoke/")
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_revoke_in_another_county_is_404_and_changes_nothing(
    client: Client, persona: Persona
) -> None:
    assignment = _assignment(persona, "另一村的村干部")
    response = _as(client, persona(ADMIN)).post(f"/accounts/roles/{assignment.pk}/revoke/")
    assert response.status_code == 404
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_revoking_own_admin_role_shows_the_refusal(client: Client, persona: Persona) -> None:
    own = _assignment(persona, ADMIN)
    response = _as(client, persona(ADMIN)).post(f"/accounts/roles/{own.pk}/revoke/")
    assert response.status_code == 200
    assert "不能撤销自己的管理员角色" in response.content.decode()
    assert RoleAssignment.objects.filter(pk=own.pk).exists()


# ---------------------------------------------------------------- users


def _user_form(**overrides: str) -> dict[str, str]:
    data = {
        "username": "zhaoliu",
        "display_name": "赵六",
        "phone": "13900005678",
        "password": "Hengshan-2026!",
        "password2": "Hengshan-2026!",
        "role": Role.VILLAGE_STAFF,
        "region": BALI,
    }
    data.update(overrides)
    return data


def test_create_user_form_creates_and_the_user_can_log_in(client: Client, persona: Persona) -> None:
    response = _as(client, persona(ADMIN)).post("/accounts/users/new/", _user_form())
    assert response.status_code == 302
    user = User.objects.get(username="zhaoliu")
    assert response["Location"] == f"/accounts/users/{user.pk}/"
    client.logout()
    login = client.post(
        "/accounts/login/", {"username": "13900005678", "password": "Hengshan-2026!"}
    )
    assert login.status_code == 302


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password": "123", "password2": "123"}, "密码太短，至少需要10个字符。"),
        ({"password2": "Other-2026!"}, "两次输入的密码不一致"),
        ({"phone": "12345"}, "联系电话“12345”格式不正确"),
        ({"username": ADMIN}, f"用户名“{ADMIN}”已被使用"),
        ({"role": Role.VILLAGE_STAFF, "region": KAIYUN}, "“村干部”只能授予村级区划"),
        ({"region": YANJIANG}, "选择一个有效的选项"),
    ],
)
def test_create_user_form_bad_input_shows_the_error_and_creates_nothing(
    client: Client, persona: Persona, overrides: dict[str, str], message: str
) -> None:
    _as(client, persona(ADMIN))
    before = User.objects.count()
    response = client.post("/accounts/users/new/", _user_form(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.count() == before


def test_user_page_unlocks_a_locked_user(client: Client, persona: Persona) -> None:
    staff = persona("九龙村村干部")
    User.objects.filter(pk=staff.pk).update(locked_until=timezone.now() + timedelta(minutes=9))
    _as(client, persona(ADMIN))
    page = client.get(f"/accounts/users/{staff.pk}/").content.decode()
    assert "已锁定至" in page
    assert "解除锁定" in page
    response = client.post(f"/accounts/users/{staff.pk}/unlock/")
    assert response.status_code == 302
    assert User.objects.get(pk=staff.pk).locked_until is None


def test_unlock_in_another_county_is_404(client: Client, persona: Persona) -> None:
    other = persona("另一村的村干部")
    User.objects.filter(pk=other.pk).update(locked_until=timezone.now() + timedelta(minutes=9))
    response = _as(client, persona(ADMIN)).post(f"/accounts/users/{other.pk}/unlock/")
    assert response.status_code == 404
    assert User.objects.get(pk=other.pk).locked_until is not None


def test_unlock_needs_post(client: Client, persona: Persona) -> None:
    staff = persona("九龙村村干部")
    response = _as(client, persona(ADMIN)).get(f"/accounts/users/{staff.pk}/unlock/")
    assert response.status_code == 405


def test_user_page_deactivates_and_reactivates(client: Client, persona: Persona) -> None:
    staff = persona("九龙村村干部")
    _as(client, persona(ADMIN))
    client.post(f"/accounts/users/{staff.pk}/active/", {"active": "0"})
    assert not User.objects.get(pk=staff.pk).is_active
    client.post(f"/accounts/users/{staff.pk}/active/", {"active": "1"})
    assert User.objects.get(pk=staff.pk).is_active


# ---------------------------------------------------------------- tokens


@pytest.mark.parametrize("name", [ADMIN, *NOT_MANAGERS])
def test_every_logged_in_user_has_a_token_page(client: Client, persona: Persona, name: str) -> None:
    response = _as(client, persona(name)).get("/accounts/tokens/")
    assert response.status_code == 200
    assert "我的接口令牌" in response.content.decode()


def test_token_plaintext_is_shown_once_and_only_the_digest_is_kept(
    client: Client, persona: Persona
) -> None:
    villager = persona("九龙村村民")
    _as(client, villager)
    response = client.post("/accounts/tokens/", {"name": "报表系统"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    plaintext = response.context["plaintext"]
    assert plaintext in response.content.decode()
    token = ApiToken.objects.get(user=villager)
    assert token.name == "报表系统"
    assert token.prefix == plaintext[:8]
    assert plaintext not in token.digest
    again = client.get("/accounts/tokens/").content.decode()
    assert plaintext not in again
    assert f"{plaintext[:8]}…" in again


def test_token_form_requires_a_name(client: Client, persona: Persona) -> None:
    response = _as(client, persona("九龙村村民")).post("/accounts/tokens/", {"name": " "})
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_token_revoke_stops_own_token(client: Client, persona: Persona) -> None:
    villager = persona("九龙村村民")
    token, _ = token_create(actor=villager, user=villager, name="报表系统")
    response = _as(client, villager).post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


@pytest.mark.parametrize("name", [ADMIN, "九龙村村干部", "另一村的村干部"])
def test_nobody_else_can_revoke_a_token_from_the_page(
    client: Client, persona: Persona, name: str
) -> None:
    villager = persona("九龙村村民")
    token, _ = token_create(actor=villager, user=villager, name="报表系统")
    response = _as(client, persona(name)).post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_token_page_lists_only_own_tokens(client: Client, persona: Persona) -> None:
    villager, staff = persona("九龙村村民"), persona("九龙村村干部")
    token_create(actor=staff, user=staff, name="村干部的令牌")
    page = _as(client, villager).get("/accounts/tokens/").content.decode()
    assert "村干部的令牌" not in page
    assert "还没有接口令牌" in page
