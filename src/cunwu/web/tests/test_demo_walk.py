"""Every demo role can walk its navigation and open a household without an error."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cunwu.core.models import Region
from cunwu.registry.models import Household
from cunwu.web import demo


@pytest.fixture
def loaded(regions: dict[str, Region], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "HOUSEHOLDS_PER_VILLAGE", 3)
    demo.demo_load()


@pytest.mark.parametrize("spec", demo.DEMO_USERS, ids=lambda s: s.username)
def test_each_demo_role_walks_its_navigation(loaded: None, spec: demo.DemoUser) -> None:
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": spec.phone, "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 302
    home = client.get("/").content.decode()
    links = re.findall(r'<nav class="main"[^>]*>(.*?)</nav>', home, re.S)[0]
    for url in re.findall(r'href="([^"]+)"', links):
        assert client.get(url, follow=True).status_code == 200, url
    household = Household.objects.filter(village_id="430423100224").first()
    assert household is not None
    status = client.get(f"/registry/households/{household.pk}/").status_code
    may_view = spec.role not in {"villager"}
    assert status == (200 if may_view else 404)
