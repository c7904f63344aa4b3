from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from cunwu.accounts.models import Role, User
from cunwu.accounts.services import assignment_grant
from cunwu.core.models import AuditEvent, Region
from cunwu.core.services.audit import audit_append, canonical_json
from cunwu.registry.models import Household
from cunwu.testing import (
    BALI,
    HENGSHAN,
    JIULONG,
    KAIYUN,
    YANJIANG,
    FromToday,
    dated,
    make_household,
    make_id_number,
    make_user,
)
from cunwu.web.views_admin import describe_events, payload_summary

Persona = Callable[[str], User]
SHANGHAI = ZoneInfo("Asia/Shanghai")

# persona → chains (region codes) whose events /audit/ shows; None → 403
SCOPE: dict[str, set[str] | None] = {
    "九龙村村干部": {JIULONG},
    "九龙村监委会委员": {JIULONG},
    "八里村村干部": {BALI},
    "开云镇干部": {JIULONG, BALI},
    "衡山县管理员": {JIULONG, BALI, HENGSHAN},
    "另一村的村干部": {YANJIANG},
    "九龙村工作队员": None,
    "九龙村村民": None,
    "衡山县部门用户": None,
}


@pytest.fixture
def events(
    persona: Persona, household: Household, regions: dict[str, Region]
) -> dict[str, AuditEvent]:
    """Events on the 九龙, 八里, 沿江 chains and on the 衡山县 chain (a township grant)."""
    make_household(
        persona("八里村村干部"), regions[BALI], "0001", "王大", head_id=make_id_number(11)
    )
    make_household(
        persona("另一村的村干部"),
        regions[YANJIANG],
        "0001",
        "刘大",
        head_id=make_id_number(12, area="430422"),
    )
    assignment_grant(
        actor=persona("衡山县管理员"),
        user=make_user("新乡镇干部"),
        role=Role.TOWNSHIP_STAFF,
        region=regions[KAIYUN],
    )
    return {e.region_id: e for e in AuditEvent.objects.order_by("pk")}


def _as(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def _chains(response: object) -> set[str]:
    return {e.region_id for e in response.context["page"].object_list}  # type: ignore[attr-defined]


# ---------------------------------------------------------------- list


@pytest.mark.parametrize(("name", "chains"), SCOPE.items())
def test_audit_list_shows_only_chains_in_scope(
    client: Client,
    persona: Persona,
    events: dict[str, AuditEvent],
    name: str,
    chains: set[str] | None,
) -> None:
    response = _as(client, persona(name)).get("/audit/")
    if chains is None:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert _chains(response) == chains
    expected = AuditEvent.objects.filter(region_id__in=chains).count()
    assert response.context["page"].paginator.count == expected


def test_audit_list_is_newest_first_with_short_hash(
    client: Client, persona: Persona, events: dict[str, AuditEvent]
) -> None:
    response = _as(client, persona("九龙村村干部")).get("/audit/")
    shown = response.context["page"].object_list
    assert [e.seq for e in shown] == sorted((e.seq for e in shown), reverse=True)
    page = response.content.decode()
    newest = shown[0]
    assert newest.hash[:12] in page
    assert newest.hash not in page
    assert "新建户" in page


def test_audit_list_shows_time_in_chinese(
    client: Client, persona: Persona, jiulong: Region
) -> None:
    staff = persona("九龙村村干部")
    fixed = datetime(2026, 11, 24, 14, 5, tzinfo=SHANGHAI)
    with (
        mock.patch("cunwu.core.services.audit.timezone.now", return_value=fixed),
        transaction.atomic(),
    ):
        audit_append(
            actor=staff,
            region=jiulong,
            action="core.group_create",
            object_type="core.villagegroup",
            object_id="7",
            payload={"name": "一组", "number": 1},
        )
    page = _as(client, staff).get("/audit/").content.decode()
    assert "2026年11月24日 14:05" in page
    assert "新建村民小组" in page
    assert "村民小组 7" in page
    assert "姓名：一组" in page


@pytest.mark.parametrize(
    ("query", "chains"),
    [
        ({"region": BALI}, {BALI}),
        ({"region": KAIYUN}, {JIULONG, BALI}),
        ({"region": HENGSHAN}, {JIULONG, BALI, HENGSHAN}),
        ({"action": "accounts."}, {HENGSHAN}),
        ({"action": "accounts.assignment_grant"}, {HENGSHAN}),
        ({"who": "八里村村干部"}, {BALI}),
        ({"date_from": FromToday(2)}, set()),
        ({"date_to": FromToday(-2)}, set()),
    ],
)
def test_audit_list_filters(
    client: Client,
    persona: Persona,
    events: dict[str, AuditEvent],
    query: dict[str, str],
    chains: set[str],
) -> None:
    response = _as(client, persona("衡山县管理员")).get("/audit/", dated(query))
    assert response.status_code == 200
    assert _chains(response) == chains


def test_audit_list_date_range_including_today_keeps_everything(
    client: Client, persona: Persona, events: dict[str, AuditEvent]
) -> None:
    today = timezone.localdate().isoformat()
    response = _as(client, persona("开云镇干部")).get(
        "/audit/", {"date_from": today, "date_to": today}
    )
    assert _chains(response) == {JIULONG, BALI}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "2026-13-45"}, "输入一个有效的日期"),
        ({"date_from": "2026-11-24", "date_to": "2026-11-01"}, "截止日期不能早于起始日期"),
        ({"region": YANJIANG}, "选择一个有效的选项"),
    ],
)
def test_audit_list_bad_filters_are_explained_not_500(
    client: Client,
    persona: Persona,
    events: dict[str, AuditEvent],
    query: dict[str, str],
    message: str,
) -> None:
    response = _as(client, persona("九龙村村干部")).get("/audit/", query)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert YANJIANG not in _chains(response)


def test_audit_list_htmx_returns_only_the_results(
    client: Client, persona: Persona, events: dict[str, AuditEvent]
) -> None:
    response = _as(client, persona("九龙村村干部")).get(
        "/audit/", {"action": "registry."}, headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="results">')
    assert "<html" not in page


def test_audit_list_query_count_is_bounded(
    client: Client,
    persona: Persona,
    jiulong: Region,
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    staff = persona("九龙村村干部")
    with transaction.atomic():
        for i in range(30):
            audit_append(
                actor=staff, region=jiulong, action="test.event", object_id=str(i), payload={"i": i}
            )
    _as(client, staff)
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        response = client.get("/audit/")
    assert len(response.context["page"].object_list) == 30


def test_audit_list_pages_by_fifty(client: Client, persona: Persona, jiulong: Region) -> None:
    staff = persona("九龙村村干部")
    with transaction.atomic():
        for i in range(51):
            audit_append(actor=staff, region=jiulong, action="test.event", object_id=str(i))
    _as(client, staff)
    first = client.get("/audit/")
    assert len(first.context["page"].object_list) == 50
    assert "第 1 / 2 页" in first.content.decode()
    second = client.get("/audit/", {"page": "2"})
    assert [e.seq for e in second.context["page"].object_list] == [1]


# ---------------------------------------------------------------- detail


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("九龙村村干部", 200),
        ("九龙村监委会委员", 200),
        ("开云镇干部", 200),
        ("衡山县管理员", 200),
        ("八里村村干部", 404),
        ("另一村的村干部", 404),
        ("九龙村工作队员", 403),
        ("九龙村村民", 403),
    ],
)
def test_audit_detail_access(
    client: Client, persona: Persona, events: dict[str, AuditEvent], name: str, status: int
) -> None:
    event = events[JIULONG]
    assert _as(client, persona(name)).get(f"/audit/{event.pk}/").status_code == status


def test_audit_detail_shows_canonical_payload_and_both_hashes(
    client: Client, persona: Persona, events: dict[str, AuditEvent]
) -> None:
    event = AuditEvent.objects.filter(region_id=JIULONG).order_by("seq")[1]
    page = _as(client, persona("九龙村村干部")).get(f"/audit/{event.pk}/").content.decode()
    assert event.hash in page
    assert event.prev_hash in page
    assert "与内容相符" in page
    assert escape(canonical_json(event.payload)) in page


def test_audit_detail_flags_a_tampered_event(
    client: Client, persona: Persona, events: dict[str, AuditEvent]
) -> None:
    event = events[JIULONG]
    AuditEvent.objects.filter(pk=event.pk).update(payload={"forged": True})
    page = _as(client, persona("九龙村村干部")).get(f"/audit/{event.pk}/").content.decode()
    assert "与内容不符" in page


def test_audit_detail_of_a_missing_event_is_404(client: Client, persona: Persona) -> None:
    assert _as(client, persona("九龙村村干部")).get("/audit/999999/").status_code == 404


# ---------------------------------------------------------------- verify


def test_verify_page_reports_an_intact_chain(
    client: Client, persona: Persona, events: dict[str, AuditEvent]
) -> None:
    response = _as(client, persona("九龙村村干部")).post("/audit/verify/", {"region": JIULONG})
    assert response.status_code == 200
    page = response.content.decode()
    checked = AuditEvent.objects.filter(region_id=JIULONG).count()
    assert "<h2>完整</h2>" in page
    assert f"已检查 {checked} 条事件" in page


def test_verify_page_names_the_first_break(
    client: Client, persona: Persona, events: dict[str, AuditEvent]
) -> None:
    second = AuditEvent.objects.get(region_id=BALI, seq=1)
    AuditEvent.objects.filter(pk=second.pk).update(payload={"forged": True})
    response = _as(client, persona("开云镇干部")).post("/audit/verify/", {"region": KAIYUN})
    page = response.content.decode()
    assert "发现断裂" in page
    assert "八里村委会" in page
    assert "审计链第1条发现问题：内容已被改动（哈希不符）" in page


def test_verify_page_refuses_a_region_outside_scope(
    client: Client, persona: Persona, events: dict[str, AuditEvent]
) -> None:
    response = _as(client, persona("九龙村村干部")).post("/audit/verify/", {"region": BALI})
    assert response.status_code == 200
    page = response.content.decode()
    assert "选择一个有效的选项" in page
    assert "已检查" not in page


@pytest.mark.parametrize("name", ["九龙村工作队员", "九龙村村民", "衡山县部门用户"])
def test_verify_page_is_forbidden_without_view_audit(
    client: Client, persona: Persona, events: dict[str, AuditEvent], name: str
) -> None:
    _as(client, persona(name))
    assert client.get("/audit/verify/").status_code == 403
    assert client.post("/audit/verify/", {"region": JIULONG}).status_code == 403


def test_verify_page_needs_log_in(client: Client, db: None) -> None:
    response = client.post("/audit/verify/", {"region": JIULONG})
    assert response.status_code == 302


# ---------------------------------------------------------------- history partial


def test_history_partial_renders_events_for_other_pages(
    persona: Persona, household: Household
) -> None:
    events = AuditEvent.objects.filter(
        object_type="registry.household", object_id=str(household.pk)
    ).order_by("seq")
    html = render_to_string("web/partials/audit_history.html", {"events": describe_events(events)})
    assert "新建户" in html
    assert events[0].hash[:12] in html
    assert "操作人" in html
    assert "审计链" not in html  # the per-object history omits the chain column
    empty = render_to_string("web/partials/audit_history.html", {"events": []})
    assert "没有审计记录" in empty


def test_payload_summary_keeps_top_level_values_and_cuts_long_ones() -> None:
    assert payload_summary({"name": "一组", "number": 1}) == "姓名：一组；户编号：1"
    assert payload_summary({"head": {"name": "张三"}, "tags": ["低保户"]}) == "户主：…；户类型：…"
    long = payload_summary({"note": "很" * 200})
    assert len(long) == 80
    assert long.endswith("…")


def test_history_partial_works_without_describe_events(
    persona: Persona, household: Household
) -> None:
    events = AuditEvent.objects.filter(action="registry.household_create")
    html = render_to_string("web/partials/audit_history.html", {"events": events})
    assert "registry.household_create" in html
    assert "number" in html and "0001" in html
