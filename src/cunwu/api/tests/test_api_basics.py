from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cunwu.accounts.models import ApiToken, User
from cunwu.accounts.services import token_create
from cunwu.registry.models import Household, Person
from cunwu.testing import TEST_PASSWORD, make_id_number

from .conftest import ApiClient


def test_openapi_schema_lists_the_endpoints(client: Client, db: None) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    paths = set(schema["paths"])
    for path in [
        "/api/v1/me", "/api/v1/regions", "/api/v1/households", "/api/v1/households/{pk}",
        "/api/v1/households/{pk}/persons", "/api/v1/persons/{pk}/leave",
        "/api/v1/households/{pk}/incomes/{year}/{category}", "/api/v1/groups",
        "/api/v1/audit/events",
    ]:  # fmt: skip
        assert path in paths, path


def test_me_with_a_bearer_token(api_as: Callable[[str], ApiClient]) -> None:
    response = api_as("开云镇干部").get("/me")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "开云镇干部"
    assert body["assignments"] == [
        {
            "role": "township_staff", "role_label": "乡镇干部", "region": "430423100000",
            "region_name": "衡山县开云镇",
        }
    ]  # fmt: skip


@pytest.mark.parametrize("header", ["Bearer nonsense", "Token abc", "", "Bearer "])
def test_a_bad_or_missing_token_is_401_json(db: None, header: str) -> None:
    client = Client()
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"code": "unauthorized", "message": "请提供有效的接口令牌"}


def test_a_revoked_token_is_refused(persona: Callable[[str], User]) -> None:
    user = persona("九龙村村干部")
    token, plaintext = token_create(actor=user, user=user, name="测试")
    ok = ApiClient(plaintext).get("/me")
    assert ok.status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert ApiClient(plaintext).get("/me").status_code == 401


def test_a_logged_in_browser_may_read_and_needs_csrf_to_write(
    persona: Callable[[str], User], db: None
) -> None:
    persona("九龙村村干部")
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="九龙村村干部", password=TEST_PASSWORD)
    assert client.get("/api/v1/me").status_code == 200
    response = client.post(
        "/api/v1/households", {"village": "430423100224"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


def test_malformed_json_is_a_json_error_and_writes_nothing(
    api_as: Callable[[str], ApiClient],
) -> None:
    api = api_as("九龙村村干部")
    response = api.client.post(
        "/api/v1/households", "{not json", content_type="application/json", headers=api.headers
    )
    assert 400 <= response.status_code < 500
    assert set(response.json()) >= {"code", "message"}
    assert not Household.objects.exists()


def test_missing_fields_name_them_in_chinese(api_as: Callable[[str], ApiClient]) -> None:
    response = api_as("九龙村村干部").post("/households", {"village": "430423100224"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert "number" in body["message"] and "head" in body["message"]


def test_unknown_api_route_is_404_json(api_as: Callable[[str], ApiClient]) -> None:
    response = api_as("九龙村村干部").get("/no-such-thing")
    assert response.status_code == 404
    assert "code" in response.json()


def test_an_unexpected_exception_is_a_json_500(
    api_as: Callable[[str], ApiClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cunwu.registry import selectors

    def boom(**kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "household_table", boom)
    response = api_as("九龙村村干部").get("/households")
    assert response.status_code == 500
    assert response.json() == {"code": "server_error", "message": "系统出错了，请稍后再试"}


def test_regions_are_reference_data_for_any_user(api_as: Callable[[str], ApiClient]) -> None:
    response = api_as("另一村的村干部").get("/regions", parent="430423100000")
    assert response.status_code == 200
    assert [r["code"] for r in response.json()["items"]] == ["430423100224", "430423100227"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
bodies = st.fixed_dictionaries(
    {},
    optional={
        "village": st.one_of(st.just("430423100224"), st.text(max_size=14)),
        "number": st.one_of(st.text(max_size=35), st.integers()),
        "group": json_values,
        "tags": st.one_of(st.lists(st.sampled_from(["脱贫户", "低保户", "x"])), json_values),
        "head": st.one_of(
            st.fixed_dictionaries(
                {"name": st.text(max_size=60), "relation": st.sampled_from(["户主", "子", ""])},
                optional={
                    "id_number": st.one_of(st.just(make_id_number(5)), st.text(max_size=20)),
                    "phone": st.text(max_size=15), "birth_date": json_values,
                },
            ),
            json_values,
        ),
    },
)  # fmt: skip


@pytest.fixture
def editor_api(api_as: Callable[[str], ApiClient]) -> ApiClient:
    return api_as("九龙村村干部")


# the fixture runs once per test, not per example: every example shares one client and DB
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=bodies)
def test_random_bodies_never_give_a_500(editor_api: ApiClient, body: Any) -> None:
    before = Person.objects.count()
    response = editor_api.post("/households", body)
    assert response.status_code in {201, 400, 403, 404, 422}, response.content
    assert set(response.json()) >= ({"id"} if response.status_code == 201 else {"code", "message"})
    if response.status_code != 201:
        assert Person.objects.count() == before
