# ruff: noqa: F811
"""公益性岗位 pages and API: the cadre's flow, scope (another village: 404), a villager: 403."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client

from cunwu.accounts.models import User
from cunwu.registry.models import Household
from cunwu.village.models import JobAttendance, JobHolder, JobPost

from .fixtures_jobs import cadre, cleaner, member  # noqa: F401

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_cadre_creates_post_starts_holder_records_attendance_and_exports_payroll(
    cadre: User, household: Household
) -> None:
    c = _client(cadre)
    assert c.get("/village/jobs/").status_code == 200
    r = c.post(
        "/village/jobs/new/?village=430423100224",
        {
            "name": "护林员",
            "duties": "巡山",
            "pay_yuan": "800.00",
            "funding": "生态补偿",
            "positions": "1",
        },
    )
    assert r.status_code == 302
    post = JobPost.objects.get(name="护林员")
    assert post.pay_fen == 80000
    person = member(household, "李四")
    r = c.post(f"/village/jobs/{post.pk}/start/", {"person": person.pk, "start_on": "2026-11-01"})
    assert r.status_code == 302
    holder = JobHolder.objects.get()
    r = c.post(
        f"/village/jobs/holders/{holder.pk}/attendance/",
        {"month": "2026-11-01", "days_worked": "25"},
    )
    assert r.status_code == 200
    assert "出勤天数应在0至21之间" in r.content.decode()
    r = c.post(
        f"/village/jobs/holders/{holder.pk}/attendance/",
        {"month": "2026-11-01", "days_worked": "10"},
    )
    assert r.status_code == 302
    assert JobAttendance.objects.get().pay_due_fen == 38095  # 80000 × 10 / 21 = 38095.2
    r = c.get("/village/jobs/payroll/?village=430423100224&month=2026-11")
    assert r.status_code == 200
    assert "380.95" in r.content.decode()
    r = c.get("/village/jobs/payroll/?village=430423100224&month=2026-11&format=xlsx")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert c.get(f"/village/jobs/{post.pk}/").status_code == 200
    assert c.get("/village/jobs/?format=xlsx").status_code == 200


def test_full_post_shows_error_on_form(cadre: User, cleaner: JobPost, household: Household) -> None:
    c = _client(cadre)
    for name in ("张三", "李四"):
        c.post(
            f"/village/jobs/{cleaner.pk}/start/",
            {"person": member(household, name).pk, "start_on": "2026-11-01"},
        )
    r = c.post(
        f"/village/jobs/{cleaner.pk}/start/",
        {"person": member(household, "张小明").pk, "start_on": "2026-11-01"},
    )
    assert r.status_code == 200
    assert "该岗位2个名额已满" in r.content.decode()
    assert JobHolder.objects.count() == 2


def test_other_village_gets_404_and_villager_403(
    persona: Callable[[str], User], cleaner: JobPost
) -> None:
    other = _client(persona("另一村的村干部"))
    assert other.get(f"/village/jobs/{cleaner.pk}/").status_code == 404
    assert other.get(f"/api/v1/village/jobs/{cleaner.pk}").status_code == 404
    assert other.get("/api/v1/village/jobs").json()["count"] == 0
    villager = _client(persona("九龙村村民"))
    assert villager.get("/village/jobs/").status_code == 403
    assert villager.get(f"/village/jobs/{cleaner.pk}/start/").status_code == 403


def test_api_holder_attendance_and_payroll(
    cadre: User, cleaner: JobPost, household: Household
) -> None:
    c = _client(cadre)
    r = c.post(
        f"/api/v1/village/jobs/{cleaner.pk}/holders",
        {"person": member(household, "李四").pk, "start_on": "2026-11-01"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    holder = r.json()["id"]
    r = c.post(
        f"/api/v1/village/jobs/holders/{holder}/attendance",
        {"month": "2026-11-01", "days_worked": 1},
        content_type="application/json",
    )
    assert r.status_code == 201
    assert r.json()["pay_due_fen"] == 4762
    r = c.post(
        f"/api/v1/village/jobs/holders/{holder}/attendance",
        {"month": "2026-11-01", "days_worked": 22},
        content_type="application/json",
    )
    assert r.status_code == 400
    assert r.json()["code"] == "days_worked_range"
    r = c.get("/api/v1/village/jobs/payroll/430423100224/2026-11-01")
    assert r.status_code == 200
    assert r.json()["total_fen"] == 4762
    r = c.post(
        "/api/v1/village/jobs",
        {"village": "430423100224", "name": "水管员", "pay_fen": 50000, "positions": 1},
        content_type="application/json",
    )
    assert r.status_code == 201
    r = c.post(
        f"/api/v1/village/jobs/holders/{holder}/end",
        {"end_on": date(2026, 11, 30).isoformat(), "reason": "辞职"},
        content_type="application/json",
    )
    assert r.status_code == 200
    assert r.json()["end_on"] == "2026-11-30"


def test_list_pages_query_count_is_bounded(
    cadre: User, cleaner: JobPost, django_assert_max_num_queries: Any
) -> None:
    c = _client(cadre)
    c.get("/village/jobs/")  # warm the session and role caches
    with django_assert_max_num_queries(12):
        assert c.get("/village/jobs/").status_code == 200
    with django_assert_max_num_queries(12):
        assert c.get("/api/v1/village/jobs").status_code == 200
    with django_assert_max_num_queries(12):
        assert c.get("/village/training/").status_code == 200
