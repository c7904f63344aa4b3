"""Every failure is JSON ``{code, message}`` in Chinese, changes nothing, is never an HTML 500."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cunwu.core.models import Region
from cunwu.registry.models import Household, LifeEvent, Person
from cunwu.testing import JIULONG, business_events, make_id_number

from .conftest import ApiClient

HEAD = {"name": "王五", "relation": "户主", "id_number": make_id_number(11, birth="19660606")}


def _rows() -> tuple[int, int, int, int]:
    return (
        Household.objects.count(),
        Person.objects.count(),
        LifeEvent.objects.count(),
        business_events().count(),
    )


@pytest.fixture
def editor(api_as: Callable[[str], ApiClient]) -> ApiClient:
    return api_as("九龙村村干部")


def test_a_bad_id_check_digit_is_400_naming_the_field_and_writes_nothing(
    editor: ApiClient,
) -> None:
    number = HEAD["id_number"]
    bad = number[:-1] + ("0" if number[-1] != "0" else "1")
    before = _rows()
    response = editor.post(
        "/households", {"village": JIULONG, "number": "0100", "head": {**HEAD, "id_number": bad}}
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "field"}
    assert (body["code"], body["field"]) == ("id_number_check_digit", "id_number")
    assert "校验位" in body["message"]
    assert _rows() == before


def test_malformed_json_is_400_json_and_writes_nothing(editor: ApiClient) -> None:
    before = _rows()
    for data, content_type in [
        ("{not json", "application/json"),
        (b"\xff\xfe{", "application/json"),
        ("village=430423100224&number=1", "application/x-www-form-urlencoded"),
    ]:
        response = editor.raw("post", "/households", data, content_type)
        assert response.status_code == 400, data
        assert response.json() == {"code": "json_invalid", "message": "请求体不是有效的 JSON"}
    assert _rows() == before


@pytest.mark.parametrize("data", ["[]", '"户"', "17", "null", ""])
def test_a_body_that_is_not_an_object_is_422(editor: ApiClient, data: str) -> None:
    response = editor.raw("post", "/households", data, "application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_missing_and_wrong_fields_are_named_in_a_chinese_message(editor: ApiClient) -> None:
    response = editor.post("/households", {"village": JIULONG, "head": {"name": "王五"}})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"] == "请求参数有误，请检查：head.relation、number"
    assert [e["loc"][-1] for e in body["errors"]] == ["number", "relation"]


def test_bad_query_parameters_are_422_naming_them(editor: ApiClient) -> None:
    response = editor.get("/households", page_size=500, status="gone", tag="富户")
    assert response.status_code == 422
    assert response.json()["message"] == "请求参数有误，请检查：page_size、status、tag"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/households?q=%E5%BC%A0%00", None),
        ("get", "/regions?parent=4304%00", None),
        ("get", "/audit/history/registry.household%00/1", None),
        ("post", "/households", {"village": JIULONG, "number": "00\x0001", "head": HEAD}),
        ("post", "/households", {"village": JIULONG, "number": "0001",
                                 "head": {**HEAD, "name": "王\ud800"}}),
    ],
)  # fmt: skip
def test_control_characters_are_refused_before_the_database_sees_them(
    editor: ApiClient, method: str, path: str, body: Any
) -> None:
    # PostgreSQL refuses NUL in text: unchecked, this was a 500
    before = _rows()
    response = editor.call(method, path, body)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid"
    assert _rows() == before


def test_an_unknown_route_is_404_json(editor: ApiClient) -> None:
    for path in ["/no-such-thing", "/households/", "/", "/households/abc"]:
        response = editor.get(path)
        assert response.status_code == 404, path
        assert response.json() == {
            "code": "not_found",
            "message": "接口不存在，请查看 /api/v1/docs",
        }, path


def test_an_unknown_route_is_404_json_even_for_a_post_without_csrf(db: None) -> None:
    response = Client(enforce_csrf_checks=True).post("/api/v1/nothing-here", {})
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_an_unsupported_method_is_405_json(editor: ApiClient) -> None:
    response = editor.client.delete("/api/v1/households/1", headers=editor.headers)
    assert response.status_code == 405
    assert response.json() == {"code": "method_not_allowed", "message": "该接口不支持 DELETE 请求"}
    assert set(response["Allow"].split(", ")) == {"GET", "PATCH"}


def test_an_object_outside_scope_is_404_json(
    api_as: Callable[[str], ApiClient], household: Household
) -> None:
    response = api_as("另一村的村干部").get(f"/households/{household.pk}")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "对象不存在或不在您的权限范围内"}


def test_lacking_a_permission_in_scope_is_403_json(
    api_as: Callable[[str], ApiClient], household: Household
) -> None:
    supervisor = api_as("九龙村监委会委员")
    before = _rows()
    response = supervisor.patch(f"/households/{household.pk}", {"address": "x"})
    assert response.status_code == 403
    assert response.json() == {"code": "forbidden", "message": "没有权限执行此操作"}
    assert _rows() == before


def test_an_unexpected_exception_is_a_logged_json_500(
    editor: ApiClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from cunwu.registry import selectors

    def boom(**kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "household_table", boom)
    with caplog.at_level(logging.ERROR, logger="cunwu.api"):
        response = editor.get("/households")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {"code": "server_error", "message": "系统出错了"}
    assert "GET /api/v1/households" in caplog.text
    assert "RuntimeError: boom" in caplog.text


def test_an_unexpected_exception_inside_a_write_rolls_back_and_is_json(
    editor: ApiClient, monkeypatch: pytest.MonkeyPatch, jiulong: Region
) -> None:
    from cunwu.registry import services

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    # fails after the household and its head are saved, inside the service's transaction
    monkeypatch.setattr(services, "audit_append", boom)
    before = _rows()
    response = editor.post("/households", {"village": JIULONG, "number": "0100", "head": HEAD})
    assert (response.status_code, response.json()["code"]) == (500, "server_error")
    assert _rows() == before


# ---------------------------------------------------------------- random bodies

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
# text as clients really send it, and as they should not: NUL, controls, lone surrogates
nasty_text = st.text(
    alphabet=st.characters(codec=None, categories=None, exclude_categories=()), max_size=30
) | st.sampled_from(["", " ", "\x00", "王\x00五", "\ud800", "户主", "0001", "９", "x" * 41])
plausible = st.sampled_from(
    [JIULONG, "430423100227", "430423100000", "430422200215", "户主", "子", "脱贫户",
     ["低保户", "低保户"], make_id_number(7), "430423198001010000", "2999-01-01", "1990-13-01",
     "男", "女", 0, -1, 2**63, 12.5, True, None]
)  # fmt: skip
DELETE = object()
paths = st.sampled_from(
    [("village",), ("number",), ("group",), ("address",), ("tags",), ("head",), ("extra",),
     ("head", "name"), ("head", "relation"), ("head", "id_number"), ("head", "phone"),
     ("head", "birth_date"), ("head", "gender"), ("head", "id_pending_reason"),
     ("head", "medical_insurance"), ("head", "extra")]
)  # fmt: skip
valid_bodies = st.builds(
    lambda number, n, name: {
        "village": JIULONG, "number": number, "tags": ["脱贫户"],
        "head": {"name": name, "relation": "户主", "id_number": make_id_number(n)},
    },
    st.text(alphabet="0123456789", min_size=1, max_size=4),
    st.integers(0, 999),
    st.sampled_from(["王五", "李𠮷", " 欧阳  娜娜 "]),
)  # fmt: skip
mutations = st.lists(
    st.tuples(paths, st.one_of(plausible, nasty_text, json_values, st.just(DELETE))), max_size=3
)


def _mutated(body: dict[str, Any], changes: list[tuple[tuple[str, ...], Any]]) -> Any:
    for path, value in changes:
        node = body
        for key in path[:-1]:
            node = node[key] if isinstance(node.get(key), dict) else {}
        if value is DELETE:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = value
    return body


bodies = st.one_of(
    st.builds(_mutated, valid_bodies, mutations),
    st.builds(_mutated, valid_bodies, mutations),
    st.builds(_mutated, valid_bodies, mutations),
    json_values,
)


# the fixture runs once per test, not per example: every example shares one client and database
@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=bodies)
def test_random_bodies_never_give_a_500(editor: ApiClient, body: Any) -> None:
    before = _rows()
    response = editor.post("/households", body)
    assert response.status_code in {201, 400, 403, 404, 422}, response.content
    if response.status_code == 201:
        assert _rows()[:2] == (before[0] + 1, before[1] + 1)
    else:
        assert set(response.json()) >= {"code", "message"}
        assert _rows() == before
