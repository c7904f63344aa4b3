from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from cunwu.accounts.models import User
from cunwu.accounts.services import token_create


class ApiClient:
    """A test client speaking JSON with a bearer token."""

    def __init__(self, token: str) -> None:
        self.client = Client(raise_request_exception=False)
        self.headers = {"Authorization": f"Bearer {token}"}

    def _call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        call = getattr(self.client, method)
        url = f"/api/v1{path}"
        if method == "get":
            return call(url, params, headers=self.headers)
        return call(url, body, content_type="application/json", headers=self.headers)

    def get(self, path: str, **params: Any) -> Any:
        return self._call("get", path, **params)

    def post(self, path: str, body: Any = None) -> Any:
        return self._call("post", path, body if body is not None else {})

    def patch(self, path: str, body: Any = None) -> Any:
        return self._call("patch", path, body if body is not None else {})

    def put(self, path: str, body: Any = None) -> Any:
        return self._call("put", path, body if body is not None else {})


@pytest.fixture
def api_as(persona: Callable[[str], User]) -> Callable[[str], ApiClient]:
    """api_as("九龙村村干部") → a JSON client authenticated with that persona's token."""

    def make(name: str) -> ApiClient:
        user = persona(name)
        _token, plaintext = token_create(actor=user, user=user, name="测试")
        return ApiClient(plaintext)

    return make
