"""防返贫监测 in a browser on a phone: the village cadre registers a household's difficulty from
the phone, verifies it at home with the 两不愁三保障 checklist and a photo; the township compares
the department records; the village appraises it and publishes the 公示; when the period ends
(the cron command) the township reviews it and the county approves; the household follows the
case by its code on the public page, where the application form and the village's QR poster
also are."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.utils import timezone

from .conftest import PHONE, Phone
from .test_foundation import JIULONG

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 256
CHECKS = (
    "不愁吃",
    "不愁穿",
    "义务教育有保障",
    "基本医疗有保障",
    "住房安全有保障",
    "饮水安全有保障",
)


def _new_phone(browser: Any, phone: Phone, name: str) -> Phone:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="zh-CN")
    context.set_default_timeout(15_000)
    return Phone(context.new_page(), phone.server, phone.shots, name)


def _submit(phone: Phone, button: str = "提交") -> None:
    phone.page.locator("#step").get_by_role("button", name=button).click()
    phone.page.wait_for_load_state("networkidle")


def test_identify_verify_compare_appraise_disclose_approve_and_follow(
    phone: Phone, browser: Any
) -> None:
    server = phone.server
    household = server.query(
        "SELECT id FROM registry_household WHERE village_id = %s AND status = 'active'"
        " AND id NOT IN (SELECT household_id FROM monitoring_monitoredhousehold)"
        " AND id NOT IN (SELECT household_id FROM monitoring_case WHERE outcome = 'open')"
        " ORDER BY id LIMIT 1",
        JIULONG,
    )[0][0]

    # the cadre registers the difficulty from the phone
    phone.login("cunganbu")
    phone.goto("/monitoring/cases/")
    phone.check("monitoring-cases")
    phone.goto(f"/monitoring/cases/new/?household={household}")
    phone.check("monitoring-case-new")
    phone.page.get_by_label("线索来源").select_option(label="基层干部排查")
    phone.page.get_by_label("拟纳入类型").select_option(label="突发严重困难户")
    phone.page.get_by_label("因病", exact=True).check()
    phone.page.get_by_label("情况说明").fill("户主突发疾病住院，家庭收入骤减")
    phone.page.get_by_role("button", name="登记").click()
    phone.page.wait_for_url(re.compile(r"/monitoring/cases/\d+/$"))
    pk = int(re.findall(r"/monitoring/cases/(\d+)/", phone.page.url)[0])
    code = server.query("SELECT code FROM monitoring_case WHERE id = %s", pk)[0][0]
    phone.page.get_by_text(f"查询码 {code}").first.wait_for()
    phone.check("monitoring-case-registered")

    # home verification with the checklist and a photo
    step = phone.page.locator("#step")
    step.get_by_label("情况属实，通过").check()
    step.get_by_label("核实情况").fill("入户核实，情况属实")
    for label in CHECKS:
        step.get_by_label(label, exact=True).check()
    step.locator("input[name=attachments]").set_input_files(
        [{"name": "核实照片.jpg", "mimeType": "image/jpeg", "buffer": JPEG}]
    )
    _submit(phone)
    phone.page.get_by_text("附件：核实照片.jpg").first.wait_for()
    phone.check("monitoring-case-verified")

    # the township compares the department records
    township = _new_phone(browser, phone, f"{phone.name}-township")
    township.login("xiangzhen")
    township.goto(f"/monitoring/cases/{pk}/")
    township.page.locator("#step").get_by_label("无异常，通过").check()
    _submit(township)
    township.page.get_by_text("民主评议").first.wait_for()
    township.check("monitoring-case-compared")

    # the village representatives appraise it; the 公示 goes out
    phone.goto(f"/monitoring/cases/{pk}/")
    step = phone.page.locator("#step")
    step.get_by_label("应到人数（村民代表）").fill("30")
    step.get_by_label("实到人数").fill("25")
    step.get_by_label("赞成票").fill("22")
    step.get_by_label("反对票").fill("3")
    _submit(phone)
    phone.page.get_by_role("button", name="发布公示").wait_for()
    phone.check("monitoring-case-appraised")
    _submit(phone, "发布公示")
    phone.page.get_by_text("发布公示").first.wait_for()
    phone.check("monitoring-case-disclosed")

    # the period ends (cron); the township reviews, the county approves
    later = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert "已结束" in server.command("notices", "close", "--today", later)
    township.goto(f"/monitoring/cases/{pk}/")
    township.page.locator("#step").get_by_label("审核通过，报县级审定").check()
    _submit(township)
    township.check("monitoring-case-township")
    county = _new_phone(browser, phone, f"{phone.name}-county")
    county.login("guanliyuan")
    county.goto(f"/monitoring/cases/{pk}/")
    county.page.locator("#step").get_by_label("批准", exact=True).check()
    _submit(county)
    county.page.get_by_text("已批准").first.wait_for()
    county.check("monitoring-case-approved")
    assert server.query(
        "SELECT state FROM monitoring_monitoredhousehold WHERE household_id = %s", household
    ) == [("at_risk",)]

    # the household follows it by its code; the form and the poster are public
    public = _new_phone(browser, phone, f"{phone.name}-public")
    public.goto("/public/monitoring/case/")
    public.page.get_by_label("查询码").fill(code.lower())
    public.page.get_by_role("button", name="查询").click()
    public.page.wait_for_url(re.compile(rf"/public/monitoring/case/{code}/$"))
    public.page.get_by_text("已批准").first.wait_for()
    public.check("monitoring-public-case")
    public.goto(f"/public/monitoring/apply/?village={JIULONG}")
    public.check("monitoring-public-apply")
    public.goto(f"/public/monitoring/poster/{JIULONG}/")
    public.page.get_by_alt_text("申报二维码").wait_for()
    public.check("monitoring-public-poster")
