"""意见投诉 in a browser on a phone: a villager without an account complains through the address
a printed notice's QR code carries, the village cadre replies and resolves it, the villager
follows it by the tracking code and rates the outcome."""

from __future__ import annotations

import re
from typing import Any

from .conftest import PHONE, Phone
from .test_foundation import JIULONG


def _new_phone(browser: Any, phone: Phone, name: str) -> Phone:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="zh-CN")
    context.set_default_timeout(15_000)
    return Phone(context.new_page(), phone.server, phone.shots, name)


def test_complain_reply_resolve_and_rate_by_code(phone: Phone, browser: Any) -> None:
    villager = _new_phone(browser, phone, f"{phone.name}-villager")
    villager.goto("/public/feedback/new/")
    villager.check("feedback-pick-village")
    villager.page.get_by_label("村名").fill("九龙")
    villager.page.get_by_role("button", name="查找").click()
    villager.page.get_by_role("link", name="衡山县开云镇九龙村委会").click()
    villager.page.wait_for_url(re.compile(rf"region={JIULONG}"))
    villager.check("feedback-form")
    villager.page.get_by_label("投诉", exact=True).check()
    villager.page.get_by_label("内容").fill("村东头水渠堵了半个月，下雨就淹田。联系电话13700002222")
    villager.page.get_by_label("联系电话（可不填）").fill("13700002222")
    villager.page.get_by_role("button", name="提交").click()
    villager.page.wait_for_url(re.compile(r"/public/feedback/[A-Z0-9]+/\?new=1"))
    villager.check("feedback-code")
    code = villager.page.locator(".tracking-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{10}", code), code
    assert "13700002222" not in villager.page.content()

    phone.login("cunganbu")
    phone.goto("/disclosure/feedback/")
    phone.check("feedback-list")
    phone.page.get_by_role("link", name=code).click()
    phone.check("feedback-detail")
    phone.page.get_by_label("答复内容").fill("已安排村民小组长明天组织清淤。")
    phone.page.get_by_role("button", name="提交答复").click()
    phone.page.get_by_text("已保存").wait_for()
    phone.page.get_by_label("办理结果").fill("水渠已清淤疏通，经现场查看排水正常。")
    phone.page.get_by_role("button", name="办结", exact=True).click()
    phone.page.get_by_text("已办结").first.wait_for()
    phone.check("feedback-resolved")

    villager.goto("/public/feedback/track/")
    villager.page.get_by_label("查询码").fill(code.lower())
    villager.page.get_by_role("button", name="查询").click()
    villager.page.get_by_text("已安排村民小组长明天组织清淤。").wait_for()
    villager.check("feedback-tracked")
    assert "水渠已清淤疏通" in villager.page.locator("main").inner_text()
    villager.page.get_by_label("5 非常满意").check()
    villager.page.get_by_label("评价（可不填）").fill("处理及时")
    villager.page.get_by_role("button", name="提交评价").click()
    villager.page.get_by_text("感谢您的评价").wait_for()
    villager.check("feedback-rated")
    assert phone.server.query(
        "SELECT satisfaction, status FROM disclosure_feedback WHERE code = %s", code
    ) == [(5, "resolved")]
