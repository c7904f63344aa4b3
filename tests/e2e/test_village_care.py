"""关爱特殊群体 in a browser on a phone: the village cadre registers a child under care, finds it
on the overdue list, records a home visit and sees the list clear.

Needs the village app's migration (written by the lead) to be in place."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from .conftest import Phone
from .test_foundation import JIULONG


def test_cadre_registers_and_visits_on_a_phone(phone: Phone) -> None:
    server = phone.server
    person = server.query(
        "SELECT p.id FROM registry_person p JOIN registry_household h ON h.id = p.household_id"
        " WHERE h.village_id = %s AND p.status = 'active'"
        " AND p.id NOT IN (SELECT person_id FROM village_carerecord WHERE \"group\" = 'orphan')"
        " ORDER BY p.id LIMIT 1",
        JIULONG,
    )[0][0]
    since = (timezone.localdate() - timedelta(days=100)).isoformat()

    phone.login("cunganbu")
    phone.goto("/village/care/")
    phone.check("care-list")
    phone.goto(f"/village/care/new/?person={person}&group=orphan")
    phone.check("care-new")
    phone.page.get_by_label("纳入日期").fill(since)
    phone.page.get_by_label("关爱责任人").fill("刘春花")
    phone.page.get_by_label("责任人电话").fill("13907340001")
    phone.page.get_by_role("button", name="确定").click()
    phone.page.wait_for_load_state("networkidle")
    phone.check("care-detail")
    assert "139****0001" in phone.page.content()
    assert "13907340001" not in phone.page.content()

    phone.goto("/village/care/?overdue=1&group=orphan")
    phone.check("care-overdue")
    assert "逾期10天" in phone.page.content()

    phone.page.locator("tbody td a").first.click()
    phone.page.get_by_role("link", name="登记走访").click()
    phone.page.wait_for_load_state("networkidle")
    phone.check("care-visit")
    phone.page.get_by_label("发现的需求").fill("缺冬衣")
    phone.page.get_by_label("提供的帮助").fill("送去棉衣两件")
    phone.page.get_by_role("button", name="确定").click()
    phone.page.wait_for_load_state("networkidle")
    assert "送去棉衣两件" in phone.page.content()
    phone.goto("/village/care/?overdue=1&group=orphan")
    assert "没有符合条件的关爱对象" in phone.page.content()
