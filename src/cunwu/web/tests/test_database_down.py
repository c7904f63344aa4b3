"""While the database cannot be reached, pages answer a Chinese 503 and the API a JSON 503, with
Retry-After; a write cut off by the database leaves nothing behind (its transaction is gone).

The database goes "down" by pointing the connection at a server that is not there (port 1 on
PostgreSQL, a path that cannot be opened on SQLite); the test's own connection is put back
afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import reverse

from cunwu.accounts.models import User
from cunwu.accounts.services import token_create
from cunwu.core.models import AuditEvent, Region
from cunwu.core.services.audit import audit_append, audit_verify
from cunwu.registry import services as registry_services
from cunwu.registry.models import Household, Person
from cunwu.testing import JIULONG, TEST_PASSWORD, make_id_number

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGE = "数据库暂时无法连接，请稍后再试"
JSON_503 = {"code": "database_unavailable", "message": MESSAGE}


@contextmanager
def database_down(tmp_path: Path) -> Iterator[None]:
    connection.ensure_connection()
    saved_connection = connection.connection
    saved_settings = dict(connection.settings_dict)
    connection.connection = None
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = str(tmp_path / "no-such-directory" / "cunwu.sqlite3")
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    try:
        yield
    finally:
        connection.settings_dict.clear()
        connection.settings_dict.update(saved_settings)
        connection.connection = saved_connection


def _client(user: User | None = None) -> Client:
    # exceptions become responses, as on a live server
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _assert_page_503(response: Any) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert MESSAGE in page
    assert "暂时无法访问" in page


def _assert_json_503(response: Any) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == JSON_503


def test_pages_answer_a_chinese_503_while_the_database_is_down(
    tmp_path: Path, staff: User, household: Household
) -> None:
    logged_in = _client(staff)
    anonymous = _client()
    with database_down(tmp_path):
        for url in [
            reverse("home"),
            reverse("registry:household_list"),
            reverse("registry:household_detail", args=[household.pk]),
            reverse("registry:household_create"),
        ]:
            _assert_page_503(logged_in.get(url))
        login = {"username": staff.username, "password": TEST_PASSWORD}
        _assert_page_503(anonymous.post(reverse("accounts:login"), login))
    # and back again
    assert logged_in.get(reverse("registry:household_list")).status_code == 200


def test_the_api_answers_a_json_503_while_the_database_is_down(
    tmp_path: Path, staff: User, household: Household
) -> None:
    _token, plaintext = token_create(actor=staff, user=staff, name="测试")
    bearer = {"Authorization": f"Bearer {plaintext}"}
    with_token = _client()
    with_session = _client(staff)
    with database_down(tmp_path):
        _assert_json_503(with_token.get("/api/v1/households", headers=bearer))
        _assert_json_503(with_token.get("/api/v1/health"))
        _assert_json_503(with_session.get("/api/v1/households"))
        _assert_json_503(with_session.get(f"/api/v1/households/{household.pk}"))
    assert with_token.get("/api/v1/health").status_code == 200


class UserReadingMiddleware:
    """Reads the user before any view, as session and rate-limit middleware do."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            request.session["seen"] = 1
        return self.get_response(request)


def test_a_failure_in_middleware_before_the_view_is_a_503_not_a_500(
    tmp_path: Path, staff: User, settings: Any
) -> None:
    middleware = list(settings.MIDDLEWARE)
    after_auth = middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
    middleware.insert(after_auth, f"{__name__}.UserReadingMiddleware")
    settings.MIDDLEWARE = middleware
    client = _client(staff)
    with database_down(tmp_path):
        _assert_page_503(client.get(reverse("registry:household_list")))
        _assert_json_503(client.get("/api/v1/households"))


def _die_after_the_audit_event(monkeypatch: pytest.MonkeyPatch) -> None:
    """The household, its head, life event and audit event are written; then the connection
    dies before the commit (on PostgreSQL the server really ends the session)."""

    def append_then_die(**kwargs: Any) -> AuditEvent:
        audit_append(**kwargs)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        raise OperationalError("disk I/O error")

    monkeypatch.setattr(registry_services, "audit_append", append_then_die)


def _written() -> tuple[int, int, int]:
    return Household.objects.count(), Person.objects.count(), AuditEvent.objects.count()


def test_a_write_cut_off_by_the_database_leaves_nothing_half_written(
    staff: User, household: Household, jiulong: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    _token, plaintext = token_create(actor=staff, user=staff, name="测试")
    client = _client(staff)
    _die_after_the_audit_event(monkeypatch)
    before = _written()
    page = client.post(
        reverse("registry:household_create"),
        {"village": JIULONG, "number": "0088", "name": "王五", "id_number": make_id_number(88)},
    )
    _assert_page_503(page)
    assert _written() == before

    body = {
        "village": JIULONG,
        "number": "0089",
        "head": {"name": "赵六", "relation": "户主", "id_number": make_id_number(89)},
    }
    api = client.post(
        "/api/v1/households",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {plaintext}"},
    )
    _assert_json_503(api)
    assert _written() == before
    assert not Household.objects.filter(number__in=["0088", "0089"]).exists()
    assert audit_verify() == (AuditEvent.objects.count(), None)
