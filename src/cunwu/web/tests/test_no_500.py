"""Junk in query strings and forms never gives a 500 on any page, for any role."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from cunwu.accounts.models import User
from cunwu.registry.models import Household

JUNK = {
    "page": "abc",
    "region": "'\"<script>",
    "group": "-1",
    "tag": "x" * 300,
    "status": "nonsense",
    "q": "𠮷" * 200,
    "village": "99999999999999",
    "role": "king",
    "date_from": "2026-13-45",
    "date_to": "yesterday",
    "action": "%",
}


def _paths(household: Household) -> list[str]:
    """Every named page of the site, with an existing object where a pattern needs an id."""
    out: list[str] = []

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                if not route.startswith(("admin", "api")):
                    walk(p.url_patterns, route)
                continue
            path = "/" + route.replace("<int:pk>", str(household.pk)).replace("^", "")
            if "<" not in path and "$" not in path:
                out.append(path)

    walk(get_resolver().url_patterns, "")
    return sorted(set(out))


@pytest.mark.parametrize(
    "name", ["九龙村村干部", "九龙村监委会委员", "衡山县管理员", "另一村的村干部"]
)
def test_junk_parameters_never_give_a_server_error(
    persona: Callable[[str], User], household: Household, name: str
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(persona(name))
    paths = _paths(household)
    assert "/registry/households/" in paths
    for path in paths:
        if "logout" in path:
            continue
        assert client.get(path, JUNK).status_code < 500, path
        assert client.post(path, JUNK).status_code < 500, path
        # PostgreSQL refuses NUL in text: it must be turned away before any query
        assert client.get(path, {"region": "\x00", "q": "a\x00"}).status_code == 400, path
        assert client.post(path, {"name": "\x00"}).status_code in {400, 403, 405}, path
