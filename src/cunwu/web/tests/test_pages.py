from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from cunwu.accounts.models import User
from cunwu.testing import TEST_PASSWORD


def test_home_page_answers_in_chinese_without_login(client: Client, db: None) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


@pytest.mark.parametrize("login", ["九龙村村干部"])
def test_login_by_username_reaches_dashboard(
    client: Client, persona: Callable[[str], User], login: str
) -> None:
    persona(login)
    response = client.post("/accounts/login/", {"username": login, "password": TEST_PASSWORD})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert "九龙村委会" in page
    assert "在册户数" in page


def test_unknown_path_is_a_chinese_404(client: Client, db: None) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_unknown_api_path_is_json_404(client: Client, db: None) -> None:
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response.json()["code"]


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/v1/docs"])
def test_pages_load_nothing_from_another_host(client: Client, db: None, path: str) -> None:
    import re

    body = client.get(path).content.decode()
    assets = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', body)
    assert assets, path
    assert all(a.startswith("/") and not a.startswith("//") for a in assets), assets
