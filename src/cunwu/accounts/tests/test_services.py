from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cunwu.accounts.backends import find_user
from cunwu.accounts.models import ApiToken, Role, RoleAssignment, User
from cunwu.accounts.permissions import has_perm_in
from cunwu.accounts.selectors import assignment_list, token_list, user_list
from cunwu.accounts.services import (
    assignment_grant,
    assignment_revoke,
    token_authenticate,
    token_create,
    token_revoke,
    user_create,
    user_set_active,
    user_unlock,
)
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent, Region
from cunwu.core.services.audit import audit_verify
from cunwu.testing import BALI, HENGSHAN, JIULONG, KAIYUN, TEST_PASSWORD, YANJIANG, make_user

Persona = Callable[[str], User]


@pytest.fixture
def admin(persona: Persona) -> User:
    return persona("衡山县管理员")


@pytest.fixture
def newcomer(db: None) -> User:
    return make_user("王五")


# ---------------------------------------------------------------- grant


def test_grant_gives_the_role_at_once_and_audits_on_the_village_chain(
    admin: User, newcomer: User, regions: dict[str, Region]
) -> None:
    assert not has_perm_in(newcomer, "registry.edit", JIULONG)
    assignment = assignment_grant(
        actor=admin, user=newcomer, role=Role.VILLAGE_STAFF, region=regions[JIULONG]
    )
    assert assignment.created_by == admin
    assert has_perm_in(newcomer, "registry.edit", JIULONG)
    event = AuditEvent.objects.get(action="accounts.assignment_grant")
    assert event.region_id == JIULONG
    assert event.object_id == str(assignment.pk)
    assert event.payload == {
        "user_id": newcomer.pk,
        "username": "王五",
        "user_name": "王五",
        "role": "village_staff",
        "region": JIULONG,
    }
    assert audit_verify() == (1, None)


def test_grant_at_a_township_is_recorded_on_the_county_chain(
    admin: User, newcomer: User, regions: dict[str, Region]
) -> None:
    assignment_grant(actor=admin, user=newcomer, role=Role.TOWNSHIP_STAFF, region=regions[KAIYUN])
    assert AuditEvent.objects.get(action="accounts.assignment_grant").region_id == HENGSHAN


@pytest.mark.parametrize(
    ("role", "code", "message"),
    [
        (Role.VILLAGE_STAFF, KAIYUN, "“村干部”只能授予村级区划，开云镇是乡镇级"),
        (Role.TOWNSHIP_STAFF, JIULONG, "“乡镇干部”只能授予乡镇级区划，九龙村委会是村级"),
        (Role.COUNTY_ADMIN, KAIYUN, "“县级管理员”只能授予省、市、县级区划，开云镇是乡镇级"),
        (Role.VILLAGER, HENGSHAN, "“村民”只能授予村级区划，衡山县是县级"),
    ],
)
def test_grant_at_the_wrong_level_is_refused(
    *,
    admin: User,
    newcomer: User,
    regions: dict[str, Region],
    role: str,
    code: str,
    message: str,
) -> None:
    with pytest.raises(ApplicationError) as exc:
        assignment_grant(actor=admin, user=newcomer, role=role, region=regions[code])
    assert exc.value.code == "role_level"
    assert exc.value.message == message
    assert not RoleAssignment.objects.filter(user=newcomer).exists()
    assert not AuditEvent.objects.exists()


def test_grant_of_an_unknown_role_is_refused(
    admin: User, newcomer: User, regions: dict[str, Region]
) -> None:
    with pytest.raises(ApplicationError, match="角色不存在"):
        assignment_grant(actor=admin, user=newcomer, role="king", region=regions[JIULONG])


def test_grant_outside_the_admins_county_is_permission_denied(
    admin: User, newcomer: User, regions: dict[str, Region]
) -> None:
    with pytest.raises(PermissionDenied):
        assignment_grant(
            actor=admin, user=newcomer, role=Role.VILLAGE_STAFF, region=regions[YANJIANG]
        )
    assert not RoleAssignment.objects.filter(user=newcomer).exists()


@pytest.mark.parametrize("name", ["九龙村村干部", "开云镇干部", "衡山县部门用户", "另一村的村干部"])
def test_roles_without_manage_roles_cannot_grant(
    persona: Persona, newcomer: User, regions: dict[str, Region], name: str
) -> None:
    with pytest.raises(PermissionDenied):
        assignment_grant(
            actor=persona(name), user=newcomer, role=Role.VILLAGER, region=regions[JIULONG]
        )


def test_granting_the_same_role_twice_is_refused(
    admin: User, newcomer: User, regions: dict[str, Region]
) -> None:
    assignment_grant(actor=admin, user=newcomer, role=Role.VILLAGER, region=regions[JIULONG])
    with pytest.raises(ApplicationError) as exc:
        assignment_grant(actor=admin, user=newcomer, role=Role.VILLAGER, region=regions[JIULONG])
    assert exc.value.code == "assignment_exists"
    assert exc.value.message == "王五已是九龙村委会的村民"
    assert RoleAssignment.objects.filter(user=newcomer).count() == 1
    assert AuditEvent.objects.count() == 1


def test_grant_in_a_retired_village_is_refused(
    admin: User, newcomer: User, regions: dict[str, Region]
) -> None:
    Region.objects.filter(code=BALI).update(retired=True)
    with pytest.raises(ApplicationError, match="八里村委会已撤销"):
        assignment_grant(
            actor=admin,
            user=newcomer,
            role=Role.VILLAGER,
            region=Region.objects.get(code=BALI),
        )


# ---------------------------------------------------------------- revoke


def test_revoke_removes_the_role_and_audits(admin: User, persona: Persona) -> None:
    staff = persona("九龙村村干部")
    assignment = RoleAssignment.objects.get(user=staff)
    assert has_perm_in(staff, "registry.edit", JIULONG)
    assignment_revoke(actor=admin, assignment=assignment)
    assert not RoleAssignment.objects.filter(user=staff).exists()
    # the next request loads the user afresh
    assert not has_perm_in(User.objects.get(pk=staff.pk), "registry.edit", JIULONG)
    event = AuditEvent.objects.get(action="accounts.assignment_revoke")
    assert event.region_id == JIULONG
    assert event.object_id == str(assignment.pk)
    assert event.payload["role"] == "village_staff"


def test_revoke_outside_the_admins_county_is_permission_denied(
    admin: User, persona: Persona
) -> None:
    other = RoleAssignment.objects.get(user=persona("另一村的村干部"))
    with pytest.raises(PermissionDenied):
        assignment_revoke(actor=admin, assignment=other)
    assert RoleAssignment.objects.filter(pk=other.pk).exists()


def test_an_admin_cannot_revoke_their_own_admin_role(admin: User) -> None:
    own = RoleAssignment.objects.get(user=admin)
    with pytest.raises(ApplicationError, match="不能撤销自己的管理员角色"):
        assignment_revoke(actor=admin, assignment=own)
    assert RoleAssignment.objects.filter(pk=own.pk).exists()


def test_revoking_twice_is_refused(admin: User, persona: Persona) -> None:
    assignment = RoleAssignment.objects.get(user=persona("九龙村村干部"))
    assignment_revoke(actor=admin, assignment=assignment)
    with pytest.raises(ApplicationError, match="已被撤销"):
        assignment_revoke(actor=admin, assignment=assignment)
    assert AuditEvent.objects.filter(action="accounts.assignment_revoke").count() == 1


# ---------------------------------------------------------------- users


def _create(admin: User, regions: dict[str, Region], **overrides: str) -> User:
    data = {
        "username": "zhaoliu",
        "display_name": "赵六",
        "phone": "139 0000 5678",
        "password": "Hengshan-2026!",
        "role": Role.VILLAGE_STAFF,
        "region": regions[BALI],
    }
    data.update(overrides)
    return user_create(actor=admin, **data)  # type: ignore[arg-type]


def test_user_create_makes_an_account_that_logs_in_by_username_or_phone(
    admin: User, regions: dict[str, Region]
) -> None:
    user = _create(admin, regions)
    assert user.phone == "13900005678"
    assert user.check_password("Hengshan-2026!")
    assert find_user("13900005678") == user
    assert find_user("zhaoliu") == user
    assert has_perm_in(user, "registry.edit", BALI)
    event = AuditEvent.objects.get(action="accounts.user_create")
    assert event.region_id == HENGSHAN
    assert event.payload["phone"] == "139****5678"
    assert "Hengshan-2026!" not in str(event.payload)
    assert "13900005678" not in str(event.payload)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password": "123"}, "password", "密码太短，至少需要10个字符。"),
        ({"password": "zhaoliu1"}, "password", "密码跟 用户名 太相似了。"),
        ({"password": "password"}, "password", "这个密码太常见了。"),
        ({"phone": "12345"}, "phone", "格式不正确"),
        ({"username": "九龙村村干部"}, "username", "用户名“九龙村村干部”已被使用"),
        ({"username": "a b"}, "username", "用户名只能包含"),
        ({"display_name": "  "}, "display_name", "姓名不能为空"),
    ],
)
def test_user_create_refuses_bad_input_in_chinese(
    *,
    admin: User,
    regions: dict[str, Region],
    persona: Persona,
    overrides: dict[str, str],
    field: str,
    message: str,
) -> None:
    persona("九龙村村干部")
    before = User.objects.count()
    with pytest.raises(ApplicationError) as exc:
        _create(admin, regions, **overrides)
    assert exc.value.field == field
    assert message in exc.value.message
    assert User.objects.count() == before
    assert not AuditEvent.objects.exists()


def test_a_username_may_not_equal_another_accounts_phone(
    admin: User, regions: dict[str, Region]
) -> None:
    _create(admin, regions)
    with pytest.raises(ApplicationError, match="已被使用"):
        _create(admin, regions, username="13900005678", phone="")
    with pytest.raises(ApplicationError, match="手机号码13900005678已被其他账号使用"):
        _create(admin, regions, username="another")


def test_user_create_outside_the_county_is_permission_denied(
    admin: User, regions: dict[str, Region]
) -> None:
    with pytest.raises(PermissionDenied):
        _create(admin, regions, region=regions[YANJIANG])  # type: ignore[arg-type]
    assert not User.objects.filter(username="zhaoliu").exists()


def test_unlock_clears_the_lock_and_the_failure_count(admin: User, persona: Persona) -> None:
    staff = persona("九龙村村干部")
    User.objects.filter(pk=staff.pk).update(
        failed_logins=3, locked_until=timezone.now() + timedelta(minutes=10)
    )
    staff.refresh_from_db()
    user_unlock(actor=admin, user=staff)
    staff.refresh_from_db()
    assert (staff.failed_logins, staff.locked_until) == (0, None)
    assert AuditEvent.objects.get(action="accounts.user_unlock").region_id == HENGSHAN


def test_unlock_of_a_user_in_another_county_is_permission_denied(
    admin: User, persona: Persona
) -> None:
    with pytest.raises(PermissionDenied):
        user_unlock(actor=admin, user=persona("另一村的村干部"))


def test_deactivate_and_reactivate_a_user(admin: User, persona: Persona) -> None:
    staff = persona("九龙村村干部")
    user_set_active(actor=admin, user=staff, active=False)
    assert not User.objects.get(pk=staff.pk).is_active
    user_set_active(actor=admin, user=staff, active=True)
    assert User.objects.get(pk=staff.pk).is_active
    assert [e.action for e in AuditEvent.objects.order_by("pk")] == [
        "accounts.user_deactivate",
        "accounts.user_activate",
    ]


def test_an_admin_cannot_deactivate_themself(admin: User) -> None:
    with pytest.raises(ApplicationError, match="不能停用自己的账号"):
        user_set_active(actor=admin, user=admin, active=False)


# ---------------------------------------------------------------- tokens


def test_token_plaintext_is_returned_once_and_only_its_digest_is_stored(
    persona: Persona,
) -> None:
    villager = persona("九龙村村民")
    token, plaintext = token_create(actor=villager, user=villager, name="报表系统")
    assert len(plaintext) >= 40
    assert token.digest == hashlib.sha256(plaintext.encode()).hexdigest()
    assert token.prefix == plaintext[:8]
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert plaintext not in [str(v) for v in stored.values()]
    event = AuditEvent.objects.get(action="accounts.token_create")
    assert plaintext not in str(event.payload)
    assert event.payload["prefix"] == plaintext[:8]
    assert event.region_id == HENGSHAN
    assert token_authenticate(plaintext) == villager
    assert token_authenticate(plaintext + "x") is None


def test_revoked_token_no_longer_authenticates(persona: Persona) -> None:
    villager = persona("九龙村村民")
    token, plaintext = token_create(actor=villager, user=villager, name="报表系统")
    token_revoke(actor=villager, token=token)
    assert token_authenticate(plaintext) is None
    with pytest.raises(ApplicationError, match="该令牌已停用"):
        token_revoke(actor=villager, token=token)
    revoke = AuditEvent.objects.get(action="accounts.token_revoke")
    assert revoke.region_id == HENGSHAN


def test_token_of_an_inactive_user_does_not_authenticate(persona: Persona) -> None:
    villager = persona("九龙村村民")
    _token, plaintext = token_create(actor=villager, user=villager, name="报表系统")
    User.objects.filter(pk=villager.pk).update(is_active=False)
    assert token_authenticate(plaintext) is None


def test_county_admin_makes_tokens_for_users_in_scope_only(admin: User, persona: Persona) -> None:
    token, _ = token_create(actor=admin, user=persona("九龙村村干部"), name="对接")
    assert token.user == persona("九龙村村干部")
    with pytest.raises(PermissionDenied):
        token_create(actor=admin, user=persona("另一村的村干部"), name="对接")
    with pytest.raises(PermissionDenied):
        token_create(actor=persona("九龙村村干部"), user=persona("九龙村村民"), name="对接")


def test_a_user_without_any_role_cannot_make_tokens(newcomer: User) -> None:
    with pytest.raises(ApplicationError, match="没有任何角色"):
        token_create(actor=newcomer, user=newcomer, name="对接")


def test_token_name_is_required(persona: Persona) -> None:
    villager = persona("九龙村村民")
    with pytest.raises(ApplicationError, match="请填写令牌用途"):
        token_create(actor=villager, user=villager, name="  ")
    assert not ApiToken.objects.exists()


def test_a_user_whose_roles_were_revoked_can_still_stop_their_token(
    admin: User, persona: Persona
) -> None:
    staff = persona("九龙村村干部")
    token, plaintext = token_create(actor=staff, user=staff, name="对接")
    assignment_revoke(actor=admin, assignment=RoleAssignment.objects.get(user=staff))
    token_revoke(actor=staff, token=token)
    assert token_authenticate(plaintext) is None


# ---------------------------------------------------------------- selectors


def test_selectors_see_only_the_admins_county(admin: User, persona: Persona) -> None:
    for name in ("九龙村村干部", "八里村村干部", "开云镇干部", "另一村的村干部"):
        persona(name)
    users = {u.username for u in user_list(actor=admin)}
    assert users == {"衡山县管理员", "九龙村村干部", "八里村村干部", "开云镇干部"}
    assert {a.user.username for a in assignment_list(actor=admin, q="九龙")} == {"九龙村村干部"}
    assert list(assignment_list(actor=persona("九龙村村干部"))) == []
    assert {a.user.username for a in assignment_list(actor=admin, role=Role.TOWNSHIP_STAFF)} == {
        "开云镇干部"
    }


def test_token_list_shows_only_own_tokens(persona: Persona) -> None:
    villager, staff = persona("九龙村村民"), persona("九龙村村干部")
    token_create(actor=villager, user=villager, name="甲")
    token_create(actor=staff, user=staff, name="乙")
    assert [t.name for t in token_list(actor=villager)] == ["甲"]


def test_persona_password_is_the_test_password(persona: Persona) -> None:
    assert persona("衡山县管理员").check_password(TEST_PASSWORD)
