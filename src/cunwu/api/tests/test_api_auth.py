"""Who may call the API at all: bearer tokens, browser sessions, the public health check."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cunwu.accounts.models import ApiToken, User
from cunwu.accounts.services import token_create, token_revoke
from cunwu.registry.models import Household
from cunwu.testing import JIULONG, TEST_PASSWORD, make_id_number

from .conftest import ApiClient

UNAUTHORIZED = {"code": "unauthorized", "message": "请提供有效的接口令牌"}
NEW_HOUSEHOLD = {
    "village": JIULONG, "number": "0100",
    "head": {"name": "王五", "relation": "户主", "id_number": make_id_number(11)},
}  # fmt: skip


def _token(user: User) -> tuple[ApiToken, str]:
    return token_create(actor=user, user=user, name="测试")


def test_a_valid_token_authenticates_its_user(persona: Callable[[str], User]) -> None:
    user = persona("开云镇干部")
    token, plaintext = _token(user)
    # only the digest is stored
    assert token.digest == hashlib.sha256(plaintext.encode()).hexdigest()
    response = ApiClient(plaintext).get("/me")
    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk, "username": "开云镇干部", "display_name": "开云镇干部",
        "is_superuser": False, "scope_name": "衡山县开云镇",
        "roles": [{
            "role": "township_staff", "role_label": "乡镇干部", "region": "430423100000",
            "region_name": "衡山县开云镇",
            "permissions": ["assets.check", "assets.journal_confirm", "assets.view",
                            "core.manage_groups", "core.view_audit",
                            "disclosure.committee_members", "disclosure.committee_view",
                            "disclosure.feedback_assign", "disclosure.feedback_escalated",
                            "disclosure.feedback_handle", "disclosure.feedback_ordinary",
                            "disclosure.feedback_sensitive", "disclosure.feedback_view",
                            "disclosure.handle_cases", "disclosure.handle_objection",
                            "disclosure.manage_catalogue", "disclosure.manage_lists",
                            "disclosure.problem_record",
                            "disclosure.problem_rectify", "disclosure.problem_view",
                            "disclosure.publish", "disclosure.view", "disclosure.view_overdue",
                            "monitoring.assist", "monitoring.campaign", "monitoring.manage",
                            "monitoring.review", "monitoring.screen", "monitoring.view",
                            "monitoring.visit", "points.manage_rulebook", "points.view",
                            "registry.edit", "registry.export", "registry.view",
                            "registry.view_full_id", "store.view", "village.assess",
                            "village.care", "village.inspect", "village.training",
                            "village.transfer", "village.view", "village.workshop",
                            "village.workshop_review"],
        }],
    }  # fmt: skip


@pytest.mark.parametrize(
    "header",
    ["Bearer nonsense", "Token abc", "Basic dXNlcjpwYXNz", "", "Bearer ", "bearer", "Bearer \x7f"],
)
def test_a_garbage_or_missing_token_is_401_json(db: None, header: str) -> None:
    headers = {"Authorization": header} if header else {}
    response = Client().get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == UNAUTHORIZED


def test_a_revoked_token_is_refused(persona: Callable[[str], User]) -> None:
    user = persona("九龙村村干部")
    token, plaintext = _token(user)
    assert ApiClient(plaintext).get("/me").status_code == 200
    token_revoke(actor=user, token=token)
    response = ApiClient(plaintext).get("/me")
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


def test_the_token_of_a_deactivated_user_is_refused(persona: Callable[[str], User]) -> None:
    user = persona("九龙村村干部")
    _t, plaintext = _token(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert ApiClient(plaintext).get("/me").status_code == 401


def test_last_used_is_written_at_most_once_a_minute(persona: Callable[[str], User]) -> None:
    user = persona("九龙村村干部")
    token, plaintext = _token(user)
    api = ApiClient(plaintext)
    assert token.last_used_at is None
    api.get("/me")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/me").status_code == 200
    assert not [q for q in queries if q["sql"].startswith("UPDATE")]
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    api.get("/me")
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.last_used_at > first - timedelta(minutes=1)
    assert token.last_used_at <= timezone.now()


def test_a_logged_in_browser_reads_with_its_session(persona: Callable[[str], User]) -> None:
    persona("九龙村村干部")
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="九龙村村干部", password=TEST_PASSWORD)
    response = client.get("/api/v1/me")
    assert (response.status_code, response.json()["username"]) == (200, "九龙村村干部")


def test_a_session_write_needs_the_csrf_token(persona: Callable[[str], User]) -> None:
    persona("九龙村村干部")
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="九龙村村干部", password=TEST_PASSWORD)
    refused = client.post("/api/v1/households", NEW_HOUSEHOLD, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json() == {"code": "csrf_failed", "message": "会话请求缺少有效的 CSRF 令牌"}
    assert not Household.objects.exists()

    client.get("/")  # any page sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/v1/households", NEW_HOUSEHOLD, content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )  # fmt: skip
    assert accepted.status_code == 201, accepted.content
    assert Household.objects.get().number == "0100"


def test_a_token_write_needs_no_csrf_token(persona: Callable[[str], User]) -> None:
    _t, plaintext = _token(persona("九龙村村干部"))
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/households", NEW_HOUSEHOLD, content_type="application/json",
        headers={"Authorization": f"Bearer {plaintext}"},
    )  # fmt: skip
    assert response.status_code == 201, response.content


def test_a_write_without_any_credentials_is_401_not_a_csrf_error(
    regions: dict[str, Any],
) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/households", NEW_HOUSEHOLD, content_type="application/json")
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


def test_the_health_check_is_public(db: None) -> None:
    response = Client().get("/api/v1/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def _operations(client: Client) -> list[tuple[str, str]]:
    schema = client.get("/api/v1/openapi.json").json()
    return [
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if path != "/api/v1/health" and not path.startswith("/api/v1/public/")
    ]


class _Params(dict[str, object]):
    """Path parameters of the operations: a number for any not named here."""

    def __missing__(self, key: str) -> object:
        return 1


def test_every_operation_but_health_needs_credentials(regions: dict[str, Any]) -> None:
    client = Client(raise_request_exception=False)
    operations = _operations(client)
    assert len(operations) == 297
    for method, path in operations:
        url = path.format_map(_Params(
            pk=1, year=2025, category="wages", object_type="x", object_id="1", code="1",
            village="1", region="1", kind="x",
        ))  # fmt: skip
        response = getattr(client, method)(url, {}, content_type="application/json")
        assert (response.status_code, response.json()) == (401, UNAUTHORIZED), (method, path)
