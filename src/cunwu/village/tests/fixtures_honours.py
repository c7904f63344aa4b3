"""Fixtures of the honours and care tests: three households of 九龙村, a cadre, the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.registry.models import Household
from cunwu.testing import make_household, make_id_number

__all__ = ["Api", "api", "cadre", "ids", "three"]


@pytest.fixture
def cadre(persona: Callable[[str], User]) -> User:
    return persona("九龙村村干部")


@pytest.fixture
def three(cadre: User, jiulong: Region) -> list[Household]:
    return [
        make_household(cadre, jiulong, f"000{i}", name, head_id=make_id_number(10 + i))
        for i, name in enumerate(["王一", "王二", "王三"], start=1)
    ]


def ids(objs: Any) -> list[int]:
    return [o.pk for o in objs]


class Api:
    """A JSON client with a bearer token (as the API tests' client)."""

    def __init__(self, user: User) -> None:
        from django.test import Client

        from cunwu.accounts.services import token_create

        _token, plain = token_create(actor=user, user=user, name="测试")
        self.client = Client(raise_request_exception=False)
        self.headers = {"Authorization": f"Bearer {plain}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(f"/api/v1{path}", body or {}, content_type="application/json",
                                headers=self.headers)  # fmt: skip


@pytest.fixture
def api(persona: Callable[[str], User]) -> Callable[[str], Api]:
    made: dict[str, Api] = {}

    def get(name: str) -> Api:
        if name not in made:
            made[name] = Api(persona(name))
        return made[name]

    return get
