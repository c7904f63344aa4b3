from __future__ import annotations

import hashlib
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from cunwu.accounts.models import ApiToken, Role, RoleAssignment, User
from cunwu.accounts.services import token_authenticate, token_create
from cunwu.core.models import AuditEvent, VillageGroup
from cunwu.core.services.audit import audit_verify
from cunwu.testing import JIULONG, KAIYUN, make_user

Persona = Callable[[str], User]


# ---------------------------------------------------------------- cunwu token


def test_token_command_prints_a_working_token(persona: Persona) -> None:
    staff = persona("九龙村村干部")
    out, err = StringIO(), StringIO()
    call_command("token", "create", "九龙村村干部", "--name", "乡镇报表", stdout=out, stderr=err)
    plaintext = out.getvalue().strip()
    token = ApiToken.objects.get(user=staff)
    assert token.digest == hashlib.sha256(plaintext.encode()).hexdigest()
    assert token.name == "乡镇报表"
    assert token_authenticate(plaintext) == staff
    assert "只显示这一次" in err.getvalue()
    event = AuditEvent.objects.get(action="accounts.token_create")
    assert event.payload["channel"] == "cli"


def test_token_command_lists_without_plaintext(persona: Persona) -> None:
    staff = persona("九龙村村干部")
    token, plaintext = token_create(actor=staff, user=staff, name="对接")
    out = StringIO()
    call_command("token", "list", "九龙村村干部", stdout=out)
    assert f"{token.prefix}…\t对接" in out.getvalue()
    assert plaintext not in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "无此人", "--name", "x"], "用户“无此人”不存在"),
        (["create", "九龙村村干部"], "请用 --name 说明令牌用途"),
        (["create", "王五", "--name", "x"], "该账号没有任何角色"),
    ],
)
def test_token_command_errors_are_chinese(persona: Persona, args: list[str], message: str) -> None:
    persona("九龙村村干部")
    make_user("王五")
    with pytest.raises(CommandError, match=message):
        call_command("token", *args, stdout=StringIO(), stderr=StringIO())
    assert not ApiToken.objects.exists()


# ---------------------------------------------------------------- Django admin


@pytest.fixture
def superuser(regions: object) -> User:
    return User.objects.create_superuser("root", password="Root-pass-2026")


@pytest.mark.parametrize(
    "model",
    [
        "core/region",
        "core/villagegroup",
        "core/auditevent",
        "core/auditchain",
        "accounts/user",
        "accounts/roleassignment",
        "accounts/apitoken",
    ],
)
def test_admin_lists_render(
    client: Client, superuser: User, household: object, persona: Persona, model: str
) -> None:
    staff = persona("九龙村村干部")
    token_create(actor=staff, user=staff, name="对接")
    VillageGroup.objects.create(village_id=JIULONG, name="一组", number=1)
    client.force_login(superuser)
    response = client.get(f"/admin/{model}/")
    assert response.status_code == 200


def test_audit_events_are_read_only_in_admin(
    client: Client, superuser: User, household: object
) -> None:
    event = AuditEvent.objects.first()
    assert event is not None
    client.force_login(superuser)
    assert client.get("/admin/core/auditevent/add/").status_code == 403
    assert client.post(f"/admin/core/auditevent/{event.pk}/delete/").status_code == 403
    response = client.post(
        f"/admin/core/auditevent/{event.pk}/change/", {"action": "x", "payload": "{}"}
    )
    assert response.status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == event.action
    assert client.get(f"/admin/core/auditevent/{event.pk}/change/").status_code == 200
    assert audit_verify() == (AuditEvent.objects.count(), None)


def test_admin_user_page_shows_cunwu_fields(
    client: Client, superuser: User, persona: Persona
) -> None:
    staff = persona("九龙村村干部")
    client.force_login(superuser)
    page = client.get(f"/admin/accounts/user/{staff.pk}/change/").content.decode()
    for field in ("display_name", "phone", "failed_logins", "locked_until_0"):
        assert f'name="{field}"' in page


def test_admin_grant_goes_through_the_service_and_is_audited(
    client: Client, superuser: User
) -> None:
    newcomer = make_user("王五")
    client.force_login(superuser)
    response = client.post(
        "/admin/accounts/roleassignment/add/",
        {"user": newcomer.pk, "role": Role.VILLAGER, "region": JIULONG},
    )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=newcomer)
    assert assignment.created_by == superuser
    assert AuditEvent.objects.get(action="accounts.assignment_grant").object_id == str(
        assignment.pk
    )


def test_admin_grant_at_the_wrong_level_is_a_form_error(client: Client, superuser: User) -> None:
    newcomer = make_user("王五")
    client.force_login(superuser)
    response = client.post(
        "/admin/accounts/roleassignment/add/",
        {"user": newcomer.pk, "role": Role.VILLAGER, "region": KAIYUN},
    )
    assert response.status_code == 200
    assert "“村民”只能授予村级区划，开云镇是乡镇级" in response.content.decode()
    assert not RoleAssignment.objects.filter(user=newcomer).exists()


def test_admin_delete_revokes_through_the_service(
    client: Client, superuser: User, persona: Persona
) -> None:
    assignment = RoleAssignment.objects.get(user=persona("九龙村村干部"))
    client.force_login(superuser)
    response = client.post(
        f"/admin/accounts/roleassignment/{assignment.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEvent.objects.filter(action="accounts.assignment_revoke").count() == 1


def test_admin_cannot_add_tokens_but_can_stop_them(
    client: Client, superuser: User, persona: Persona
) -> None:
    staff = persona("九龙村村干部")
    token, plaintext = token_create(actor=staff, user=staff, name="对接")
    client.force_login(superuser)
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403
    page = client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert token.digest in page
    assert plaintext not in page
    response = client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    assert token_authenticate(plaintext) is None
