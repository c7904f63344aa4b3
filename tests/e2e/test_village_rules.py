"""村规民约与公约 in a browser on a phone: the village cadre reads the adopted 村规民约, its
coverage and its printable poster, then ticks a household that signed the paper copy and sees
the coverage rise; the demo villager (household 0001, which has not signed the paper copy)
confirms the rules on the phone and the coverage rises again."""

from __future__ import annotations

import re

from .conftest import Phone
from .test_foundation import JIULONG

COVERAGE = re.compile(r"已签订 (\d+)/(\d+) 户")


def _coverage(phone: Phone) -> tuple[int, int]:
    found = COVERAGE.search(phone.page.locator("main").inner_text())
    assert found, "no coverage figure on the page"
    return int(found[1]), int(found[2])


def test_cadre_reads_and_ticks_villager_sees_own_rule_on_a_phone(phone: Phone) -> None:
    page = phone.page
    server = phone.server
    ((rule, version),) = server.query(
        "SELECT r.id, v.id FROM village_rule r JOIN village_ruleversion v ON v.rule_id = r.id"
        " WHERE r.village_id = %s AND r.kind = 'village' AND v.status = 'adopted'",
        JIULONG,
    )

    phone.login("cunganbu")
    phone.goto("/village/rules/")
    phone.check("rules-list")
    text = page.locator("main").inner_text()
    assert "村规民约" in text and "乡风文明公约" in text and "尚未通过" in text
    phone.goto(f"/village/rules/{rule}/")
    phone.check("rule-detail")
    phone.goto(f"/village/rules/versions/{version}/")
    phone.check("rule-version")
    assert "丧事简办" in page.locator("main").inner_text()
    phone.goto(f"/village/rules/versions/{version}/coverage/")
    phone.check("rule-coverage")
    acknowledged, total = _coverage(phone)
    assert acknowledged == 20 and total > acknowledged, (acknowledged, total)
    phone.goto(f"/village/rules/{rule}/poster/")
    phone.check("rule-poster")
    assert "邻里和睦" in page.locator("main").inner_text()

    # a household signs the paper copy: the cadre ticks it and the coverage rises by one
    phone.goto(f"/village/rules/versions/{version}/paper/")
    phone.check("rule-paper")
    assert _coverage(phone) == (acknowledged, total)
    page.locator("input[name=households]").last.check()  # not 0001: it confirms below
    page.get_by_role("button", name="确定").click()
    page.wait_for_load_state("networkidle")
    assert "已登记1户纸质签字" in page.content()
    phone.goto(f"/village/rules/versions/{version}/coverage/")
    phone.check("rule-coverage-after")
    assert _coverage(phone) == (acknowledged + 1, total)
    ((count,),) = server.query(
        "SELECT COUNT(*) FROM village_acknowledgement WHERE version_id = %s", version
    )
    assert count == acknowledged + 1
    phone.goto("/")
    phone.logout()

    # the demo villager's household 0001 has not signed: it confirms on the phone
    phone.login("cunmin")
    phone.goto("/village/rules/mine/")
    phone.check("rules-mine")
    item = page.locator("main li").filter(has_text="村规民约")
    assert "待确认" in item.inner_text()
    item.get_by_role("link").click()
    page.wait_for_load_state("networkidle")
    phone.check("rule-confirm")
    assert "户编号 0001" in page.locator("main").inner_text()
    page.get_by_role("button", name="确认遵守").click()
    page.wait_for_load_state("networkidle")
    phone.goto("/village/rules/mine/")
    assert "已确认" in page.locator("main li").filter(has_text="村规民约").inner_text()
    ((way,),) = server.query(
        "SELECT a.way FROM village_acknowledgement a JOIN registry_household h"
        " ON h.id = a.household_id WHERE a.version_id = %s AND h.number = '0001'",
        version,
    )
    assert way == "phone"
