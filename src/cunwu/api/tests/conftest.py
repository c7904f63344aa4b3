from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from cunwu.accounts.models import User
from cunwu.accounts.services import token_create


class ApiClient:
    """A test client speaking JSON with a bearer token; exceptions become responses, as live."""

    def __init__(self, token: str) -> None:
        self.client = Client(raise_request_exception=False)
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        url = f"/api/v1{path}"
        if method == "get":
            return self.client.get(url, params, headers=self.headers)
        return getattr(self.client, method)(
            url, body if body is not None else {}, content_type="application/json",
            headers=self.headers,
        )  # fmt: skip

    def raw(self, method: str, path: str, data: str | bytes, content_type: str) -> Any:
        call = getattr(self.client, method)
        return call(f"/api/v1{path}", data, content_type=content_type, headers=self.headers)

    def get(self, path: str, **params: Any) -> Any:
        return self.call("get", path, **params)

    def post(self, path: str, body: Any = None) -> Any:
        return self.call("post", path, body)

    def patch(self, path: str, body: Any = None) -> Any:
        return self.call("patch", path, body)

    def put(self, path: str, body: Any = None) -> Any:
        return self.call("put", path, body)


@pytest.fixture
def api_as(persona: Callable[[str], User]) -> Callable[[str], ApiClient]:
    """api_as("九龙村村干部") → a JSON client authenticated with that persona's token."""
    made: dict[str, ApiClient] = {}

    def make(name: str) -> ApiClient:
        if name not in made:
            user = persona(name)
            _token, plaintext = token_create(actor=user, user=user, name="测试")
            made[name] = ApiClient(plaintext)
        return made[name]

    return make
