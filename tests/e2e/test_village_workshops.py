"""乡村车间 in a browser on a phone: the village cadre opens the workshops and one of them,
files this month's report and sees it listed; the township cadre opens the statistics and the
charts are drawn beside their tables."""

from __future__ import annotations

from django.utils import timezone

from .conftest import Phone
from .test_foundation import JIULONG


def test_cadre_reports_township_sees_statistics_on_a_phone(phone: Phone) -> None:
    page = phone.page
    today = timezone.localdate()
    ((workshop,),) = phone.server.query(
        "SELECT id FROM village_workshop WHERE village_id = %s AND name = %s",
        JIULONG,
        "九龙村服装加工车间",
    )

    phone.login("cunganbu")
    phone.goto("/village/workshops/")
    phone.check("workshops-list")
    text = page.locator("main").inner_text()
    for name in ("九龙村服装加工车间", "九龙村竹编车间", "九龙村电子配件车间"):
        assert name in text
    phone.goto(f"/village/workshops/{workshop}/")
    phone.check("workshop-detail")
    page.get_by_role("link", name="填报月报").click()
    page.wait_for_load_state("networkidle")
    phone.check("workshop-report-new")
    page.get_by_label("月份（该月任一天）").fill(today.isoformat())
    page.get_by_label("用工人数").fill("18")
    page.get_by_label("其中脱贫人口和监测对象").fill("5")
    page.get_by_label("发放工资（元）").fill("46800")
    page.get_by_role("button", name="确定").click()
    page.wait_for_url(f"{phone.server.url}/village/workshops/{workshop}/")
    phone.check("workshop-reported")
    assert "已填报月报" in page.content()
    row = page.locator("main tr").filter(has_text=f"{today.year}年{today.month}月")
    assert row.count() == 1
    cells = row.locator("td").all_inner_texts()
    assert cells[1:4] == ["18", "5", "46,800.00"], cells
    phone.goto("/")
    phone.logout()

    phone.login("xiangzhen")
    phone.goto("/village/workshops/stats/")
    charts = page.locator("main [data-chart]")
    assert charts.count() > 0
    page.locator("main [data-chart] canvas").first.wait_for()
    phone.check("workshop-stats")
    assert page.locator("main [data-chart] canvas").count() >= charts.count()
    text = page.locator("main").inner_text()
    assert "已认定 1 个" in text and "具备条件或在建 1 个" in text

    # this month's figures are the report the cadre has just filed
    phone.goto(f"/village/workshops/stats/?month={today:%Y-%m}")
    page.locator("main [data-chart] canvas").first.wait_for()
    phone.check("workshop-stats-month")
    text = page.locator("main").inner_text()
    assert f"{today.year}年{today.month}月用工 18 人，发放工资 46,800.00 元" in text
