"""Browser protections, rate limits and staff session expiry (web.security, core.ratelimit)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from pytest_django.fixtures import Settings

from cunwu.accounts.models import User
from cunwu.core import ratelimit
from cunwu.core.ratelimit import RateLimited, rate_limit
from cunwu.registry.models import Household
from cunwu.testing import TEST_PASSWORD
from cunwu.web import security
from cunwu.web.security import DEFAULT_CSP, too_many_requests

Persona = Callable[[str], User]


class Clock:
    """Replaces the clocks of the rate limits and the session rules."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 1_800_000_000.0
        monkeypatch.setattr(ratelimit, "clock", lambda: self.now)
        monkeypatch.setattr(security, "clock", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


# ---------------------------------------------------------------- headers


def test_pages_carry_the_csp_and_the_other_protective_headers(
    client: Client, persona: Persona, household: Household
) -> None:
    for path in ["/accounts/login/", "/"]:
        response = client.get(path)
        assert response["Content-Security-Policy"] == DEFAULT_CSP
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
    client.force_login(persona("九龙村村干部"))
    page = client.get(f"/registry/households/{household.pk}/")
    assert page["Content-Security-Policy"] == DEFAULT_CSP
    assert "script-src 'self';" in DEFAULT_CSP
    assert "unsafe" not in DEFAULT_CSP
    # JSON answers need no policy of their own
    assert "Content-Security-Policy" not in client.get("/api/v1/me")


def test_base_layout_tells_htmx_not_to_inject_styles_or_eval(client: Client) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert '"includeIndicatorStyles":false' in page
    assert '"allowEval":false' in page


def test_api_docs_work_from_local_files_under_their_own_policy(
    client: Client, persona: Persona
) -> None:
    client.force_login(persona("九龙村村干部"))
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    body = response.content.decode()
    # every script and style comes from this site (a random CSRF token may well spell "cdn")
    sources = re.findall(r'(?:src|href)="([^"]*)"', body)
    assert sources
    assert all(src.startswith("/") and not src.startswith("//") for src in sources), sources
    assert "cdn.jsdelivr" not in body
    assert "/static/ninja/swagger-ui-bundle.js" in body
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy


# ---------------------------------------------------------------- rate_limit


def _view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def test_rate_limit_refuses_beyond_the_limit_and_allows_again_in_the_next_window(
    clock: Clock,
) -> None:
    view = rate_limit("test", 3, 60)(_view)
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1")
    for _ in range(3):
        assert view(request).status_code == 200
    with pytest.raises(RateLimited) as exc:
        view(request)
    assert 1 <= exc.value.retry_after <= 60
    assert exc.value.message.startswith("操作过于频繁，请")
    # another client has its own count
    assert view(RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")).status_code == 200
    clock.advance(60)
    assert view(request).status_code == 200


def test_rate_limit_counts_only_the_methods_named(clock: Clock) -> None:
    view = rate_limit("test", 1, 60, methods=("POST",))(_view)
    factory = RequestFactory()
    for _ in range(5):
        assert view(factory.get("/")).status_code == 200
    assert view(factory.post("/")).status_code == 200
    with pytest.raises(RateLimited):
        view(factory.post("/"))


def test_a_limit_reached_is_a_429_with_retry_after_in_chinese() -> None:
    request = RequestFactory().get("/accounts/login/")
    request.user = AnonymousUser()
    response = too_many_requests(request, RateLimited(125))
    assert response.status_code == 429
    assert response["Retry-After"] == "125"
    assert "操作过于频繁，请3分钟后再试。" in response.content.decode()
    api = too_many_requests(RequestFactory().get("/api/v1/me"), RateLimited(5))
    assert json.loads(api.content) == {
        "code": "rate_limited",
        "message": "操作过于频繁，请5秒后再试。",
    }


# ---------------------------------------------------------------- log-in throttling


def test_many_failed_logins_from_one_client_are_answered_429_until_the_window_ends(
    client: Client, persona: Persona, settings: Settings, clock: Clock
) -> None:
    settings.CUNWU_RATE_LIMITS = {"login_failures": (3, 600)}
    staff = persona("九龙村村干部")
    for name in ["无此人", "也无此人", "九龙村村干部"]:  # any accounts, known or not
        response = client.post("/accounts/login/", {"username": name, "password": "wrong-pw"})
        assert response.status_code == 200
    refused = client.post(
        "/accounts/login/", {"username": staff.username, "password": TEST_PASSWORD}
    )
    assert refused.status_code == 429
    assert "操作过于频繁" in refused.content.decode()
    assert 1 <= int(refused["Retry-After"]) <= 600
    assert "_auth_user_id" not in client.session
    # another client is not affected
    other = Client(REMOTE_ADDR="10.9.9.9")
    ok = other.post("/accounts/login/", {"username": staff.username, "password": TEST_PASSWORD})
    assert ok.status_code == 302
    clock.advance(600)
    again = client.post("/accounts/login/", {"username": staff.username, "password": TEST_PASSWORD})
    assert again.status_code == 302


def test_login_form_posts_are_limited_per_client(
    client: Client, settings: Settings, clock: Clock, regions: object
) -> None:
    settings.CUNWU_RATE_LIMITS = {"login": (2, 60)}
    for _ in range(2):
        assert client.post("/accounts/login/", {"username": "", "password": ""}).status_code == 200
    assert client.post("/accounts/login/", {}).status_code == 429
    assert client.get("/accounts/login/").status_code == 200  # only posts count


def test_anonymous_requests_are_limited_per_client(
    client: Client, settings: Settings, clock: Clock, persona: Persona
) -> None:
    settings.CUNWU_RATE_LIMITS = {"public": (3, 60)}
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/healthz").status_code == 429
    assert client.get("/api/v1/health").status_code == 429
    # a logged-in user is not counted as public traffic
    client.force_login(persona("九龙村村干部"))
    assert client.get("/healthz").status_code == 200
    clock.advance(60)
    assert Client().get("/healthz").status_code == 200


def test_bad_api_tokens_are_answered_429_after_the_limit(
    client: Client, settings: Settings, clock: Clock, regions: object
) -> None:
    settings.CUNWU_RATE_LIMITS = {"api_token_failures": (2, 900)}
    headers = {"Authorization": "Bearer not-a-token"}
    for _ in range(2):
        assert client.get("/api/v1/me", headers=headers).status_code == 401
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert int(response["Retry-After"]) > 0
    clock.advance(900)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


# ---------------------------------------------------------------- staff sessions


def _login(client: Client, user: User) -> None:
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302


def test_staff_are_logged_out_after_the_idle_time(
    client: Client, persona: Persona, clock: Clock, settings: Settings
) -> None:
    settings.CUNWU_STAFF_IDLE_MINUTES = 30
    _login(client, persona("九龙村村干部"))
    assert client.session.get_expiry_age() == 30 * 60
    clock.advance(29 * 60)
    assert client.get("/registry/households/").status_code == 200
    clock.advance(29 * 60)  # still within 30 minutes of the last request
    assert client.get("/registry/households/").status_code == 200
    clock.advance(31 * 60)
    response = client.get("/registry/households/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert "_auth_user_id" not in client.session
    login_page = client.get(response["Location"]).content.decode()
    assert "您已30分钟没有操作" in login_page


def test_staff_sessions_end_after_the_working_day_even_when_active(
    client: Client, persona: Persona, clock: Clock, settings: Settings
) -> None:
    settings.CUNWU_STAFF_SESSION_HOURS = 8
    _login(client, persona("九龙村村干部"))
    for _ in range(19):  # a request every 25 minutes, the last 7 h 55 min after log-in
        clock.advance(25 * 60)
        assert client.get("/").status_code == 200
    clock.advance(25 * 60)  # 8 h 20 min after log-in
    response = client.get("/registry/households/", headers={"HX-Request": "true"})
    assert response.status_code == 302
    assert response["HX-Redirect"].startswith("/accounts/login/")


def test_villagers_keep_their_session_longer(
    client: Client, persona: Persona, clock: Clock
) -> None:
    _login(client, persona("九龙村村民"))
    assert client.session.get_expiry_age() == 14 * 24 * 3600
    clock.advance(3 * 24 * 3600)
    client.get("/")
    assert "_auth_user_id" in client.session


def test_an_expired_api_session_is_told_in_json(
    client: Client, persona: Persona, clock: Clock
) -> None:
    _login(client, persona("九龙村村干部"))
    clock.advance(31 * 60)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "session_expired"
