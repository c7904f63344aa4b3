"""三务公开 in a browser on a phone: a cadre publishes a list, a villager objects on the public
portal without an account, the supervision committee handles it and signs off the month's
finances, the villager follows the outcome with the tracking code."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from .conftest import DEMO_PASSWORD, PHONE, Phone
from .test_foundation import JIULONG, id_number


def _new_phone(browser: Any, phone: Phone, name: str) -> Phone:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="zh-CN")
    context.set_default_timeout(15_000)
    return Phone(context.new_page(), phone.server, phone.shots, name)


def test_publish_object_handle_and_follow_up(phone: Phone, browser: Any) -> None:
    page = phone.page
    full_id = id_number(31, date(1958, 4, 5))
    phone.login("cunganbu")
    phone.goto("/disclosure/")
    phone.check("notice-list")
    page.get_by_role("link", name="新建公告").click()
    phone.check("notice-new")
    page.get_by_label("类别").select_option("村务")
    page.get_by_label("标题").fill("2026年度危房改造补助对象公示")
    page.get_by_label("正文").fill(
        "经村民代表会议评议，拟确定以下对象。\n联系人：村委会 13912345678"
    )
    page.get_by_label("名单（从表格复制粘贴）").fill(
        f"姓名\t身份证号\t补助（元）\n周德福\t{full_id}\t20000"
    )
    page.get_by_label("公示天数").fill("5")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url(re.compile(r"/disclosure/\d+/$"))
    phone.check("notice-draft")
    page.get_by_role("button", name="发布").click()
    page.get_by_text("公示中").first.wait_for()
    phone.check("notice-published")
    assert full_id not in page.content()
    notice_url = page.url
    phone.logout()

    villager = _new_phone(browser, phone, f"{phone.name}-villager")
    villager.goto(f"/public/{JIULONG}/")
    villager.check("portal-village")
    villager.page.get_by_role("link", name=re.compile("危房改造补助对象公示")).click()
    villager.check("portal-notice")
    text = villager.page.locator("main").inner_text()
    assert "139****5678" in text
    assert full_id not in villager.page.content()
    assert "本页内容与发布时登记在审计链上的内容一致" in text
    villager.page.get_by_label("异议内容").fill("周德福家去年已翻修新房，请核实。")
    villager.page.get_by_label("联系电话").fill("13700001111")
    villager.page.get_by_role("button", name="提交异议").click()
    villager.page.wait_for_url(re.compile(r"/public/track/[A-Z0-9]+/"))
    villager.check("objection-code")
    code = villager.page.locator(".tracking-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{10}", code), code
    villager.page.get_by_role("link", name="大字版").click()
    assert villager.page.locator("html.large-text").count() == 1
    villager.check("large-text")

    committee = _new_phone(browser, phone, f"{phone.name}-committee")
    committee.login("jianwei", DEMO_PASSWORD)
    committee.goto("/disclosure/todo/")
    committee.check("committee-todo")
    committee.page.get_by_role("link", name="2026年10月财务收支公开").click()
    committee.page.get_by_label("同意公开").check()
    committee.page.get_by_label("审核意见").fill("凭证齐全")
    committee.page.get_by_role("button", name="提交审核意见").click()
    committee.page.get_by_text("已同意公开，公告已发布").wait_for()
    committee.check("finance-signed-off")
    committee.page.goto(notice_url)
    objection = committee.page.locator(".card", has_text=code)
    objection.get_by_label("异议不成立").check()
    objection.get_by_label("处理结果").fill("经入户核实，该户房屋仍为C级危房，符合条件。")
    objection.get_by_role("button", name="记录处理结果").click()
    committee.page.get_by_text(f"异议 {code} 已处理").wait_for()
    committee.check("objection-handled")

    villager.goto("/public/track/")
    villager.page.get_by_label("查询码").fill(code.lower())
    villager.page.get_by_role("button", name="查询").click()
    villager.page.get_by_text("经入户核实").wait_for()
    villager.check("objection-outcome")
    assert "异议不成立" in villager.page.locator("main").inner_text()
