"""No page or API answer shows a demo person's full ID number or phone to any demo role.

The demo county is loaded (three households per village), the full numbers of every person
are decrypted, and each demo role logs in and crawls the site: from the home page it follows
every same-site link (``href`` and htmx ``hx-get``) of every HTML page, GET only, then reads
the API's GET endpoints with its session. Roles that may see full numbers
(``registry.view_full_id``) see them only after an explicit reveal (a POST, or ``full=1`` on
the API), which the crawl never does, so no response may contain any full number. Roles that
may export but not see full numbers first start an export of their village, so that the crawl
also downloads a spreadsheet (read cell by cell) that must hold masked numbers only.

Every HTML page is also checked against the Content-Security-Policy: no inline script, event
handler or style attribute.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve
from openpyxl import load_workbook

from cunwu.accounts.models import User
from cunwu.accounts.permissions import has_perm_in
from cunwu.core.models import Region
from cunwu.registry.models import Person
from cunwu.registry.services import person_id_number, person_phone
from cunwu.web import demo

MAX_PAGES = 300  # per role
MAX_PER_VIEW = 25  # pages of one view (one household detail is like the next)
SKIP = ("/accounts/logout/", "/static/", "/admin/", "/favicon.ico")
LINK = re.compile(r'\s(?:href|hx-get)="([^"]*)"')
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTR = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)

# the pages (HTML, API) each role reaches on the demo, so that a broken crawl fails the test
MIN_PAGES = {
    "cunmin": (2, 13),
    "cunganbu": (84, 19),
    "jianwei": (35, 19),
    "gongzuodui": (8, 19),
    "xiangzhen": (84, 19),
    "guanliyuan": (MAX_PAGES, 55),
    "bumen": (6, 19),
}


@dataclass
class Crawl:
    client: Client
    secrets: set[str]
    html_pages: int = 0
    api_pages: int = 0
    spreadsheets: int = 0
    per_view: Counter[str] = field(default_factory=Counter)
    leaks: list[tuple[str, str]] = field(default_factory=list)
    inline: list[tuple[str, str]] = field(default_factory=list)
    errors: list[tuple[str, int]] = field(default_factory=list)

    def check(self, url: str, body: str) -> None:
        for secret in self.secrets:
            if secret in body:
                self.leaks.append((url, secret))

    def get(self, url: str) -> Any:
        response = self.client.get(url)
        if response.status_code >= 500:
            self.errors.append((url, response.status_code))
        return response


def _full_numbers() -> set[str]:
    numbers: set[str] = set()
    for person in Person.objects.all():
        numbers.update(n for n in (person_id_number(person), person_phone(person)) if n)
    return numbers


def _links(body: str) -> Iterator[str]:
    for raw in LINK.findall(body):
        url = urldefrag(html.unescape(raw))[0]
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not url.startswith("/"):
            continue
        if url.startswith(SKIP):
            continue
        yield url


def _cells(data: bytes) -> str:
    """Every cell of a workbook as text, one per line."""
    import io

    workbook = load_workbook(io.BytesIO(data), read_only=True)
    values = [
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    return "\n".join(values)


def _view_name(url: str) -> str:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return "?"


def crawl_pages(crawl: Crawl) -> None:
    seen = {"/"}
    queue: deque[str] = deque(["/"])
    while queue and crawl.html_pages < MAX_PAGES:
        url = queue.popleft()
        view = _view_name(url)
        if crawl.per_view[view] >= MAX_PER_VIEW:
            continue
        crawl.per_view[view] += 1
        response = crawl.get(url)
        if response.status_code != 200:
            continue
        content_type = response.get("Content-Type", "")
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        if "spreadsheetml" in content_type:
            crawl.spreadsheets += view == "registry:export_download"
            body = _cells(raw)
        else:
            body = raw.decode("utf-8", "replace")
        crawl.check(url, body)
        if not content_type.startswith("text/html"):
            continue
        crawl.html_pages += 1
        for pattern, what in (
            (INLINE_SCRIPT, "inline script"),
            (EVENT_HANDLER, "event handler"),
            (STYLE_ATTR, "style attribute"),
        ):
            if pattern.search(body):
                crawl.inline.append((url, what))
        for link in _links(body):
            if link not in seen:
                seen.add(link)
                queue.append(link)


def crawl_api(crawl: Crawl) -> None:
    def get(url: str) -> Any:
        response = crawl.get(url)
        crawl.api_pages += 1
        crawl.check(url, response.content.decode())
        return response.json() if response.status_code == 200 else None

    get("/api/v1/me")
    for page in (1, 2):
        get(f"/api/v1/regions?page={page}")
        get(f"/api/v1/audit/events?page={page}")
    households = get("/api/v1/households?page_size=100") or {"items": []}
    for village in demo.DEMO_VILLAGES:
        get(f"/api/v1/groups?village={village}")
    for item in households["items"][:MAX_PER_VIEW]:
        get(f"/api/v1/households/{item['id']}")
        get(f"/api/v1/audit/history/registry.household/{item['id']}")


@pytest.fixture
def loaded(regions: dict[str, Region], monkeypatch: pytest.MonkeyPatch) -> set[str]:
    monkeypatch.setattr(demo, "HOUSEHOLDS_PER_VILLAGE", 3)
    demo.demo_load()
    numbers = _full_numbers()
    assert len(numbers) > 60  # ID numbers of about 70 people and the heads' phones
    return numbers


@pytest.mark.parametrize("spec", demo.DEMO_USERS, ids=lambda s: s.username)
def test_no_page_or_api_answer_shows_a_full_id_number_or_phone(
    loaded: set[str], spec: demo.DemoUser, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client(raise_request_exception=False)
    response = client.post(
        "/accounts/login/", {"username": spec.username, "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 302
    user = User.objects.get(username=spec.username)
    exports = has_perm_in(user, "registry.export", spec.region) and not has_perm_in(
        user, "registry.view_full_id", spec.region
    )
    if exports:  # masked spreadsheets: the crawl downloads one
        with django_capture_on_commit_callbacks(execute=True):
            started = client.post("/registry/export/", {"region": spec.region})
        assert started.status_code == 302
    crawl = Crawl(client, loaded)
    crawl_pages(crawl)
    crawl_api(crawl)

    assert crawl.leaks == []
    assert crawl.inline == []
    assert crawl.errors == []
    assert crawl.spreadsheets == (1 if exports else 0)
    visited = json.dumps(crawl.per_view, ensure_ascii=False)
    min_html, min_api = MIN_PAGES[spec.username]
    assert crawl.html_pages >= min_html, visited
    assert crawl.api_pages >= min_api, visited
