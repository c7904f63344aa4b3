"""三资 in a browser on a phone: the village cadre registers a machine and proposes a payment
with its receipt photo; the supervision committee reviews it from its queue; the township's
agency bookkeeping confirms it and the entry takes its voucher number; the resident work team
counts a line of this year's inventory on site; the township looks at the reports with their
charts, and a contract with the problems its checks filed."""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone

from .conftest import PHONE, Phone
from .test_foundation import JIULONG

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 256


def _new_phone(browser: Any, phone: Phone, name: str) -> Phone:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="zh-CN")
    context.set_default_timeout(15_000)
    return Phone(context.new_page(), phone.server, phone.shots, name)


def test_register_propose_review_confirm_count_and_report(phone: Phone, browser: Any) -> None:
    today = timezone.localdate()
    phone.login("cunganbu")

    # a register entry: the next number of the village is given by itself
    phone.goto("/assets/registers/")
    phone.check("assets-register")
    phone.goto("/assets/registers/new/")
    phone.check("assets-register-new")
    phone.page.get_by_label("类别").select_option(label="机器设备")
    phone.page.get_by_label("名称").fill("村集体旋耕机")
    phone.page.get_by_label("面积或数量").fill("2")
    phone.page.get_by_label("单位").fill("台")
    phone.page.get_by_label("原值（元）").fill("18000")
    phone.page.get_by_role("button", name="确定").click()
    phone.page.wait_for_url(re.compile(r"/assets/registers/\d+/$"))
    phone.page.get_by_text("ZC-0010").first.wait_for()
    phone.page.get_by_text("18,000.00").first.wait_for()
    phone.check("assets-register-created")

    # a payment with its receipt photo
    phone.goto("/assets/journal/new/")
    phone.check("assets-journal-new")
    phone.page.get_by_label("账户").select_option(label="九龙村委会 · 基本存款账户")
    phone.page.get_by_label("业务日期").fill(today.isoformat())
    phone.page.get_by_label("支出").check()
    phone.page.get_by_label("科目").select_option(label="公益支出")
    phone.page.get_by_label("金额（元）").fill("850.00")
    phone.page.get_by_label("对方单位或个人").fill("开云镇五金店")
    phone.page.get_by_label("摘要").fill("购买村道路灯灯泡")
    phone.page.get_by_label("附件").set_input_files(
        [{"name": "收据.jpg", "mimeType": "image/jpeg", "buffer": JPEG}]
    )
    phone.page.get_by_role("button", name="确定").click()
    phone.page.wait_for_url(re.compile(r"/assets/journal/\d+/$"))
    entry = int(re.findall(r"/assets/journal/(\d+)/", phone.page.url)[0])
    phone.page.get_by_text("待监委会审核").first.wait_for()
    phone.check("assets-journal-proposed")

    # the committee reviews it from its queue
    committee = _new_phone(browser, phone, f"{phone.name}-committee")
    committee.login("jianwei")
    committee.goto("/assets/journal/queue/review/")
    committee.page.get_by_text("购买村道路灯灯泡").first.wait_for()
    committee.check("assets-review-queue")
    committee.goto(f"/assets/journal/{entry}/")
    committee.page.get_by_role("button", name="审核通过").click()
    committee.page.get_by_text("待乡镇确认").first.wait_for()
    committee.check("assets-reviewed")

    # the township confirms it: posted with the month's next voucher number
    township = _new_phone(browser, phone, f"{phone.name}-township")
    township.login("xiangzhen")
    township.goto("/assets/journal/queue/confirm/")
    township.check("assets-confirm-queue")
    township.goto(f"/assets/journal/{entry}/")
    township.page.get_by_role("button", name="确认记账").click()
    voucher = f"记-{today.year}-{today.month:02d}-"
    township.page.get_by_text(re.compile(re.escape(voucher) + r"\d{3}")).first.wait_for()
    township.check("assets-posted")
    ((status, number),) = phone.server.query(
        "SELECT status, voucher_number FROM assets_journalentry WHERE id = %s", entry
    )
    assert status == "posted"
    assert number.startswith(voucher)

    # the work team counts a pending line of this year's inventory on site
    ((line,),) = phone.server.query(
        "SELECT l.id FROM assets_inventoryline l JOIN assets_inventorycampaign c "
        "ON c.id = l.campaign_id JOIN assets_asset a ON a.id = l.asset_id "
        "WHERE c.village_id = %s AND a.number = 'ZC-0004'",
        JIULONG,
    )
    team = _new_phone(browser, phone, f"{phone.name}-team")
    team.login("gongzuodui")
    team.goto(f"/assets/inventory-lines/{line}/count/")
    team.check("assets-count")
    team.page.get_by_label("实盘数量").fill("1")
    team.page.get_by_label("实际状态").select_option(label="自营自用")
    team.page.get_by_role("button", name="保存盘点结果").click()
    team.page.wait_for_load_state()
    team.check("assets-counted")
    ((result,),) = phone.server.query("SELECT result FROM assets_inventoryline WHERE id = %s", line)
    assert result == "match"

    # the township's reports: charts drawn, the same figures as tables beside them
    township.goto("/assets/reports/")
    township.page.locator("canvas").first.wait_for()
    township.check("assets-reports")
    township.goto("/assets/contracts/")
    township.page.get_by_text("大塘水面养殖租赁合同").first.wait_for()
    township.check("assets-contracts")
    township.page.get_by_text("大塘水面养殖租赁合同").first.click()
    township.page.get_by_text("价格低于参考价").first.wait_for()
    township.check("assets-contract-flags")
    for other in (committee, township, team):
        other.page.context.close()
