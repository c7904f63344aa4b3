from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from cunwu.accounts.models import User
from cunwu.accounts.services import user_unlock
from cunwu.testing import TEST_PASSWORD

LOCK_MESSAGE = "登录失败次数过多，账号已暂时锁定，请稍后再试或联系管理员。"
WRONG_MESSAGE = "用户名（手机号）或密码错误。连续多次错误后账号将被暂时锁定。"


@pytest.fixture
def villager(persona: Callable[[str], User]) -> User:
    user = persona("九龙村村民")
    user.phone = "13800001234"
    user.save(update_fields=["phone"])
    return user


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_login_by_username_logs_in(client: Client, villager: User) -> None:
    response = client.post(
        "/accounts/login/", {"username": "九龙村村民", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == villager.pk


def test_login_by_phone_logs_in(client: Client, villager: User) -> None:
    response = client.post(
        "/accounts/login/", {"username": "13800001234", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == villager.pk


def test_wrong_password_is_refused_in_chinese_and_counted(client: Client, villager: User) -> None:
    response = client.post("/accounts/login/", {"username": "13800001234", "password": "nope"})
    assert response.status_code == 200
    assert WRONG_MESSAGE in response.content.decode()
    assert not _logged_in(client)
    villager.refresh_from_db()
    assert villager.failed_logins == 1


def test_unknown_user_gets_the_same_message(client: Client, villager: User) -> None:
    response = client.post("/accounts/login/", {"username": "无此人", "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert WRONG_MESSAGE in response.content.decode()


def test_lock_out_refuses_even_the_right_password_until_the_lock_ends(
    client: Client, villager: User, settings: Settings
) -> None:
    settings.CUNWU_LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        response = client.post(
            "/accounts/login/", {"username": "九龙村村民", "password": "wrong-password"}
        )
        assert response.status_code == 200
    villager.refresh_from_db()
    assert villager.locked_until is not None
    assert villager.locked_until > timezone.now()

    response = client.post(
        "/accounts/login/", {"username": "九龙村村民", "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    assert LOCK_MESSAGE in response.content.decode()
    assert not _logged_in(client)
    # by phone too: the lock is on the account, not on the name typed
    response = client.post(
        "/accounts/login/", {"username": "13800001234", "password": TEST_PASSWORD}
    )
    assert LOCK_MESSAGE in response.content.decode()
    assert not _logged_in(client)

    # the lock ends
    User.objects.filter(pk=villager.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    response = client.post(
        "/accounts/login/", {"username": "九龙村村民", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert _logged_in(client)
    villager.refresh_from_db()
    assert villager.failed_logins == 0
    assert villager.locked_until is None


def test_failures_below_the_limit_do_not_lock(
    client: Client, villager: User, settings: Settings
) -> None:
    settings.CUNWU_LOGIN_MAX_FAILURES = 3
    for _ in range(2):
        client.post("/accounts/login/", {"username": "九龙村村民", "password": "wrong"})
    response = client.post(
        "/accounts/login/", {"username": "九龙村村民", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    villager.refresh_from_db()
    assert villager.failed_logins == 0


def test_county_admin_unlock_lets_the_user_log_in_again(
    client: Client, villager: User, persona: Callable[[str], User]
) -> None:
    User.objects.filter(pk=villager.pk).update(
        locked_until=timezone.now() + timedelta(minutes=15), failed_logins=0
    )
    response = client.post(
        "/accounts/login/", {"username": "九龙村村民", "password": TEST_PASSWORD}
    )
    assert LOCK_MESSAGE in response.content.decode()

    villager.refresh_from_db()
    user_unlock(actor=persona("衡山县管理员"), user=villager)

    response = client.post(
        "/accounts/login/", {"username": "九龙村村民", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302


def test_inactive_account_cannot_log_in(client: Client, villager: User) -> None:
    User.objects.filter(pk=villager.pk).update(is_active=False)
    response = client.post(
        "/accounts/login/", {"username": "九龙村村民", "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    assert not _logged_in(client)
