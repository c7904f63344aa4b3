"""Log-ins, failed log-ins and refusals are audited; password rules speak Chinese."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from pytest_django.fixtures import Settings

from cunwu.accounts import security
from cunwu.accounts.models import User
from cunwu.accounts.services import token_create
from cunwu.core.models import AuditEvent
from cunwu.core.services.audit import audit_verify
from cunwu.registry.models import Household
from cunwu.testing import TEST_PASSWORD

Persona = Callable[[str], User]


def _events(action: str) -> list[tuple[str, str, str, str, dict[str, Any]]]:
    return [
        (e.region_id, e.actor_name, e.object_type, e.object_id, e.payload)
        for e in AuditEvent.objects.filter(action=action).order_by("pk")
    ]


def test_a_login_is_audited_on_the_users_county_chain(client: Client, persona: Persona) -> None:
    staff = persona("九龙村村干部")
    response = client.post(
        "/accounts/login/", {"username": staff.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert _events("accounts.login") == [
        (
            "430423000000",
            "九龙村村干部",
            "accounts.user",
            str(staff.pk),
            {"username": "九龙村村干部", "ip": "127.0.0.1", "via": "web"},
        )
    ]
    assert audit_verify() == (1, None)


def test_a_failed_login_of_a_known_user_is_audited_without_the_password(
    client: Client, persona: Persona
) -> None:
    staff = persona("九龙村村干部")
    client.post("/accounts/login/", {"username": staff.username, "password": "Secret-guess-1"})
    assert _events("accounts.login_failed") == [
        (
            "430423000000",
            "系统",
            "accounts.user",
            str(staff.pk),
            {
                "username": "九龙村村干部",
                "failed_logins": 1,
                "locked_until": "",
                "ip": "127.0.0.1",
                "via": "web",
            },
        )
    ]
    assert "Secret-guess-1" not in str(AuditEvent.objects.values_list("payload", flat=True))


def test_a_failed_login_of_an_unknown_name_records_it_masked_on_the_top_region(
    client: Client, regions: object
) -> None:
    client.post("/accounts/login/", {"username": "13912345678", "password": "x-guess-123"})
    client.post("/accounts/login/", {"username": "MyPassw0rd!", "password": "x-guess-123"})
    assert _events("accounts.login_failed") == [
        (
            "430000000000",
            "系统",
            "",
            "",
            {"login": "139****5678", "unknown_user": True, "ip": "127.0.0.1", "via": "web"},
        ),
        (
            "430000000000",
            "系统",
            "",
            "",
            {"login": "My…（11个字符）", "unknown_user": True, "ip": "127.0.0.1", "via": "web"},
        ),
    ]


def test_a_locked_accounts_refusal_is_a_failed_login_too(
    client: Client, persona: Persona, settings: Settings
) -> None:
    settings.CUNWU_LOGIN_MAX_FAILURES = 2
    staff = persona("九龙村村干部")
    for _ in range(3):
        client.post("/accounts/login/", {"username": staff.username, "password": "wrong-pass"})
    payloads = [e[4] for e in _events("accounts.login_failed")]
    assert [p["failed_logins"] for p in payloads] == [1, 0, 0]
    assert payloads[0]["locked_until"] == ""
    assert payloads[1]["locked_until"] != ""  # the second failure locked the account
    assert payloads[2]["locked_until"] == payloads[1]["locked_until"]


def test_a_refused_page_is_audited_and_still_a_403(
    client: Client, persona: Persona, household: Household
) -> None:
    supervisor = persona("九龙村监委会委员")
    client.force_login(supervisor)
    response = client.post(f"/registry/households/{household.pk}/edit/", {"address": "x"})
    assert response.status_code == 403
    path = f"/registry/households/{household.pk}/edit/"
    assert _events("accounts.permission_denied") == [
        (
            "430423000000",
            "九龙村监委会委员",
            "path",
            path,
            {"method": "POST", "path": path, "reason": "没有权限执行此操作", "ip": "127.0.0.1"},
        )
    ]


def test_a_refused_api_call_is_audited_and_still_a_403_json(
    client: Client, persona: Persona, household: Household
) -> None:
    supervisor = persona("九龙村监委会委员")
    _token, plaintext = token_create(actor=supervisor, user=supervisor, name="测试")
    path = f"/api/v1/households/{household.pk}"
    response = client.patch(
        path,
        {"address": "x"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {plaintext}"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert _events("accounts.permission_denied") == [
        (
            "430423000000",
            "九龙村监委会委员",
            "path",
            path,
            {"method": "PATCH", "path": path, "reason": "没有权限执行此操作", "ip": "127.0.0.1"},
        )
    ]


def test_an_audit_failure_never_turns_a_403_into_a_500(
    persona: Persona, household: Household, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("chain unavailable")

    monkeypatch.setattr(security, "audit_append", broken)
    client = Client(raise_request_exception=False)
    client.force_login(persona("九龙村监委会委员"))
    response = client.post(f"/registry/households/{household.pk}/edit/", {"address": "x"})
    assert response.status_code == 403


def test_a_flood_of_refusals_is_audited_only_up_to_the_limit(
    client: Client, persona: Persona, household: Household, settings: Settings
) -> None:
    settings.CUNWU_RATE_LIMITS = {"audit_denied": (3, 60)}
    client.force_login(persona("九龙村监委会委员"))
    for _ in range(10):
        response = client.post(f"/registry/households/{household.pk}/edit/", {"address": "x"})
        assert response.status_code == 403
    assert len(_events("accounts.permission_denied")) == 3


# ---------------------------------------------------------------- password rules


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab-3456", "密码太短，至少需要10个字符。"),
        ("password123", "这个密码太常见了。"),
        ("20260101123456", "密码只包含数字。"),
        ("jiulongcun-staff", "密码跟 用户名 太相似了。"),
    ],
)
def test_password_rules_refuse_weak_passwords_in_chinese(
    password: str, message: str, regions: object
) -> None:
    user = User(username="jiulongcun-staff", display_name="张三")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        validate_password(password, user=user)
    assert message in exc.value.messages


def test_a_good_password_passes(regions: object) -> None:
    validate_password("Hengshan-2026!", user=User(username="zhangsan"))


def test_a_user_changes_their_own_password_under_the_rules_and_it_is_audited(
    persona: Callable[[str], User],
) -> None:
    user = persona("九龙村村干部")
    client = Client()
    client.force_login(user)
    page = client.get("/accounts/password/")
    assert page.status_code == 200
    wrong = client.post(
        "/accounts/password/",
        {
            "old_password": "nope",
            "new_password1": "Qingshan-2026!",
            "new_password2": "Qingshan-2026!",
        },
    )
    assert "原密码不正确" in wrong.content.decode()
    weak = client.post(
        "/accounts/password/",
        {"old_password": TEST_PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert weak.status_code == 200
    assert "至少需要10个字符" in weak.content.decode()
    done = client.post(
        "/accounts/password/",
        {"old_password": TEST_PASSWORD, "new_password1": "Qingshan-2026!",
         "new_password2": "Qingshan-2026!"},
    )  # fmt: skip
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Qingshan-2026!")
    assert (
        AuditEvent.objects.filter(action="accounts.password_change", object_id=str(user.pk)).count()
        == 1
    )
