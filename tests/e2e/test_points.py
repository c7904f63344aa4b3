"""积分制 and 爱心超市 in a browser on a phone: a villager declares volunteer work with a photo
from the phone, a cadre reviews it and publishes the month's list, the disclosure period passes
(the daily job), the points post; at the store's counter the cadre opens the household from its
points card, redeems a basket once even when the confirmation is sent twice, prints the receipt;
the villager sees the points earned and spent on their own statement."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.utils import timezone

from .conftest import PHONE, Phone
from .test_foundation import JIULONG

# the smallest JPEG header the upload check accepts: a photo from the phone's camera
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 256


def _new_phone(browser: Any, phone: Phone, name: str) -> Phone:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="zh-CN")
    context.set_default_timeout(15_000)
    return Phone(context.new_page(), phone.server, phone.shots, name)


def _account(phone: Phone) -> tuple[int, int, int]:
    """(household id, cumulative, available) of 九龙村 household 0001, the demo villager's."""
    rows = phone.server.query(
        "SELECT h.id, a.cumulative, a.available FROM points_pointaccount a "
        "JOIN registry_household h ON h.id = a.household_id "
        "WHERE h.village_id = %s AND h.number = '0001'",
        JIULONG,
    )
    return rows[0]


def test_declare_review_disclose_post_and_redeem(phone: Phone, browser: Any) -> None:
    household, cumulative, available = _account(phone)
    (volunteer,) = phone.server.query(
        "SELECT i.id FROM points_ruleitem i JOIN points_rulebookversion v ON v.id = i.version_id "
        "JOIN points_rulebook r ON r.id = v.rulebook_id "
        "WHERE r.region_id = %s AND v.status = 'effective' AND i.code = 'B01'",
        JIULONG,
    )

    villager = _new_phone(browser, phone, f"{phone.name}-villager")
    villager.login("cunmin")
    villager.goto("/points/mine/")
    villager.check("points-mine")
    villager.page.get_by_role("link", name=re.compile("申报")).first.click()
    villager.page.wait_for_url(re.compile(r"/points/declare/"))
    villager.check("points-declare")
    villager.page.get_by_label("积分事项").select_option(str(volunteer[0]))
    villager.page.get_by_label("事由").fill("周六在村卫生室帮忙登记老人体检")
    villager.page.get_by_role("button", name="提交").click()
    # the item needs a photo: the form says so and keeps what was entered
    villager.page.get_by_text("该事项须上传照片作为佐证").wait_for()
    villager.check("points-declare-needs-photo")
    villager.page.get_by_label("照片").set_input_files(
        {"name": "体检登记.jpg", "mimeType": "image/jpeg", "buffer": JPEG}
    )
    villager.page.get_by_role("button", name="提交").click()
    villager.page.wait_for_url(re.compile(r"/points/mine/"))
    villager.page.get_by_text("等待村里审核").wait_for()
    villager.check("points-declared")

    phone.login("cunganbu")
    phone.goto("/points/review/")
    phone.check("points-review")
    card = phone.page.locator(".card", has_text="帮忙登记老人体检")
    card.get_by_role("button", name="提交").click()
    phone.page.wait_for_load_state()
    assert phone.server.query(
        "SELECT status, points FROM points_pointevent WHERE description LIKE %s", "%老人体检%"
    ) == [("approved", 3)]
    phone.goto(f"/points/batches/new/{JIULONG}/")
    phone.check("points-batch-new")
    phone.page.locator("tr", has_text="志愿服务").get_by_role("checkbox").check()
    phone.page.get_by_role("button", name="发布公示").click()
    phone.page.wait_for_load_state()
    phone.check("points-batch-published")
    assert phone.server.query(
        "SELECT status FROM points_pointevent WHERE description LIKE %s", "%老人体检%"
    ) == [("disclosing",)]

    # the period passes without objection: the daily job closes this list and the demo's own
    # November list, and their points post
    ((disclosing,),) = phone.server.query(
        "SELECT SUM(points) FROM points_pointevent WHERE household_id = %s "
        "AND status = 'disclosing'",
        household,
    )
    assert disclosing is not None
    later = timezone.localdate() + timedelta(days=30)
    phone.server.command("notices", "close", "--today", later.isoformat())
    cumulative, available = cumulative + disclosing, available + disclosing
    assert _account(phone) == (household, cumulative, available)

    # at the counter: the QR code of the points card opens the household
    phone.goto(f"/points/households/{household}/card/")
    phone.check("points-card")
    phone.goto(f"/store/counter/?household={household}")
    phone.check("store-counter")
    towel, price = phone.server.query(
        "SELECT id, points_price FROM store_goods WHERE village_id = %s AND name = '毛巾'", JIULONG
    )[0]
    affordable = available // price
    assert affordable >= 1, f"the demo household 0001 has {available} points, a towel costs {price}"
    # one towel too many: the confirmation refuses it, nothing is charged
    phone.page.locator(f"#q_{towel}").fill(str(affordable + 1))
    phone.page.get_by_role("button", name="下一步：核对").click()
    phone.page.get_by_text("可用积分不足").wait_for()
    phone.check("store-confirm-short")
    phone.page.get_by_role("link", name="返回修改").click()
    phone.page.locator(f"#q_{towel}").fill(str(affordable))
    phone.page.get_by_role("button", name="下一步：核对").click()
    phone.page.get_by_text("兑换后剩余可用积分").wait_for()
    phone.check("store-confirm")
    # a double tap: the same confirmation twice charges once
    confirm = phone.page.get_by_role("button", name="确认兑换")
    with phone.page.expect_navigation():
        confirm.dblclick()
    phone.page.get_by_text("兑换成功").wait_for()
    phone.check("store-receipt")
    left = available - affordable * price
    assert f"剩余可用积分：{left}" in phone.page.locator("main").inner_text()
    assert _account(phone) == (household, cumulative, left)
    assert phone.server.query(
        "SELECT COUNT(*), SUM(total_points) FROM store_redemption WHERE household_id = %s",
        household,
    ) == [(1, affordable * price)]
    phone.server.command("store", "check")
    phone.server.command("points", "check")

    villager.goto("/points/mine/")
    villager.check("points-mine-after")
    text = villager.page.locator("main").inner_text()
    assert "参加志愿服务活动" in text
    assert "兑换" in text
