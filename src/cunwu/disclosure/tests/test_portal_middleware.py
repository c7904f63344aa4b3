"""The village page answered from the cache before sessions and auth (disclosure.middleware)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.disclosure import services
from cunwu.disclosure.models import Category, Notice
from cunwu.disclosure.views_public import LARGE_COOKIE
from cunwu.testing import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def cadre(persona: Callable[[str], User]) -> User:
    return persona("九龙村村干部")


@pytest.fixture
def notice(cadre: User, jiulong: Region, django_capture_on_commit_callbacks: Any) -> Notice:
    with django_capture_on_commit_callbacks(execute=True):
        return services.notice_publish(
            actor=cadre, region=jiulong, category=Category.VILLAGE, title="2026年度低保对象公示",
            body="<p>经村民代表会议评议，拟确定以下对象。</p>",
        )  # fmt: skip


def url(region: Region) -> str:
    return f"/public/{region.code}/"


def from_middleware(response: Any) -> bool:
    """The answer came from the cache in front of the session middleware."""
    return not hasattr(response.wsgi_request, "session")


def test_second_anonymous_visit_is_answered_from_the_cache_with_the_same_headers(
    notice: Notice, jiulong: Region, django_assert_num_queries: Any
) -> None:
    first = Client().get(url(jiulong))
    assert first.status_code == 200
    assert not from_middleware(first)
    with django_assert_num_queries(0):
        second = Client().get(url(jiulong))
    assert from_middleware(second)
    assert second.content == first.content
    assert dict(second.items()) == dict(first.items())
    assert second["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in second["Content-Security-Policy"]
    assert second["X-Content-Type-Options"] == "nosniff"
    assert second["Referrer-Policy"] == "same-origin"
    assert "Set-Cookie" not in second


def test_a_signed_in_visitor_never_gets_the_anonymous_page(
    notice: Notice, jiulong: Region, cadre: User
) -> None:
    assert "我的首页" not in Client().get(url(jiulong)).content.decode()
    signed_in = Client()
    assert signed_in.login(username=cadre.username, password=TEST_PASSWORD)
    for _ in range(2):
        response = signed_in.get(url(jiulong))
        assert not from_middleware(response)
        assert "我的首页" in response.content.decode()
    # and what a signed-in visitor was shown is never given to an anonymous one
    anonymous = Client().get(url(jiulong))
    assert from_middleware(anonymous)
    assert "我的首页" not in anonymous.content.decode()


def test_any_session_cookie_takes_the_normal_path(notice: Notice, jiulong: Region) -> None:
    Client().get(url(jiulong))
    visitor = Client()
    visitor.cookies["sessionid"] = "not-a-session"
    response = visitor.get(url(jiulong))
    assert response.status_code == 200
    assert not from_middleware(response)


def test_only_get_is_answered_from_the_cache(notice: Notice, jiulong: Region) -> None:
    Client().get(url(jiulong))
    for method in ("post", "head", "put", "delete", "options"):
        response = getattr(Client(), method)(url(jiulong))
        assert response.status_code == 405, method
        assert not from_middleware(response)


def test_large_text_and_each_search_are_cached_apart(notice: Notice, jiulong: Region) -> None:
    Client().get(url(jiulong))
    large = Client()
    large.cookies[LARGE_COOKIE] = "1"
    for _ in range(2):
        assert 'class="large-text"' in large.get(url(jiulong)).content.decode()
    assert 'class="large-text"' not in Client().get(url(jiulong)).content.decode()
    Client().get(url(jiulong) + "?q=党费")
    found = Client().get(url(jiulong) + "?q=党费")
    assert from_middleware(found)
    assert "2026年度低保对象公示" not in found.content.decode()
    assert "没有符合条件的公开内容" in found.content.decode()


def test_publishing_a_notice_renders_the_cached_page_afresh(
    notice: Notice, jiulong: Region, cadre: User, django_capture_on_commit_callbacks: Any
) -> None:
    Client().get(url(jiulong))
    assert from_middleware(Client().get(url(jiulong)))
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_publish(
            actor=cadre, region=jiulong, category=Category.PARTY, title="党费收缴情况公开",
            body="<p>全体党员均已按时缴纳。</p>",
        )  # fmt: skip
    fresh = Client().get(url(jiulong))
    assert not from_middleware(fresh)
    assert "党费收缴情况公开" in fresh.content.decode()


def test_other_portal_pages_take_the_normal_path(notice: Notice, jiulong: Region) -> None:
    for path in ("/public/", f"/public/notice/{notice.pk}/", "/public/track/", "/healthz"):
        for _ in range(2):
            assert not from_middleware(Client().get(path, follow=False)), path


def test_cached_page_still_counts_against_the_anonymous_limit_once_per_request(
    notice: Notice, jiulong: Region, settings: Any
) -> None:
    settings.CUNWU_RATE_LIMITS = {"public": (3, 60)}
    client = Client()
    answers = [client.get(url(jiulong)) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert from_middleware(answers[2])
    limited = client.get(url(jiulong))
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert "操作过于频繁" in limited.content.decode()


def test_an_error_page_is_never_cached(jiulong: Region, regions: object) -> None:
    for _ in range(2):
        response = Client().get("/public/999999999999/")
        assert response.status_code == 404
        assert not from_middleware(response)
