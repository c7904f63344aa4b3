"""The foundation's flows in a browser on a phone: log-in per role, a village cadre's household
work and spreadsheet import, a township cadre's scope, log-out."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from .conftest import Phone, Server

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"

DEMO_USERS = {
    "cunmin": "九龙村村民（演示）",
    "cunganbu": "九龙村村干部（演示）",
    "jianwei": "九龙村监委会委员（演示）",
    "gongzuodui": "九龙村驻村工作队员（演示）",
    "xiangzhen": "开云镇干部（演示）",
    "guanliyuan": "衡阳市管理员（演示）",
    "bumen": "衡山县民政局（演示）",
}
JIULONG = "430423100224"
YANJIANG = "430422200215"  # 沿江村, in another county


def id_number(sequence: int, born: date) -> str:
    """A valid 18-digit number of 衡山县 that the demo data does not use (sequence 9xx)."""
    first17 = f"430423{born:%Y%m%d}{900 + sequence % 100:03d}"
    return first17 + CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


@pytest.mark.parametrize("username", list(DEMO_USERS))
def test_each_role_logs_in_sees_its_pages_and_logs_out(phone: Phone, username: str) -> None:
    phone.login(username)
    page = phone.page
    assert DEMO_USERS[username] in page.locator("header").inner_text()
    phone.check("home")
    nav = page.locator("nav.main a")
    links = [nav.nth(i).get_attribute("href") for i in range(nav.count())]
    assert links, "the navigation offers nothing"
    for href in links:
        phone.goto(str(href))
        phone.check(f"nav{href}")
    phone.goto("/")  # the public notice board has no log-out button: log out from home
    phone.logout()
    assert "登录" in page.locator("main").inner_text()
    phone.goto("/registry/households/")
    assert "/accounts/login/" in page.url  # logged out: the log-in page again
    phone.check("logged-out")


def test_cadre_registers_a_household_adds_a_member_records_income(phone: Phone) -> None:
    page = phone.page
    phone.login("cunganbu")
    phone.goto("/registry/households/")
    phone.check("household-list")
    page.get_by_role("link", name="新建户").click()
    phone.check("household-new")
    page.get_by_label("户编号").fill("E2E-0001")
    page.get_by_label("住址").fill("九龙村第3组18号")
    page.get_by_label("姓名").fill("浏览器测")
    page.get_by_label("公民身份号码").fill(id_number(1, date(1968, 5, 4)))
    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_role("button", name="新建").click()
    page.wait_for_url("**/registry/households/*/")
    phone.check("household-created")
    facts = page.locator("main").inner_text()
    assert "E2E-0001" in facts
    assert "浏览器测" in facts
    assert id_number(1, date(1968, 5, 4)) not in page.content()  # shown masked only
    detail = page.url

    page.get_by_role("link", name="添加成员").click()
    phone.check("member-new")
    page.get_by_label("姓名").fill("浏览器配偶")
    page.get_by_label("与户主关系").select_option("配偶")
    page.get_by_label("公民身份号码").fill(id_number(2, date(1970, 2, 3)))
    page.get_by_role("button", name="添加").click()
    page.wait_for_url(detail)
    phone.check("member-added")
    assert "浏览器配偶" in page.locator("main").inner_text()

    page.get_by_role("link", name="登记收入").click()
    phone.check("income-new")
    page.get_by_label("金额（元）").fill("12345.60")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(detail)
    phone.check("income-recorded")
    assert "12,345.60" in page.locator("main").inner_text()


def test_cadre_imports_a_spreadsheet_and_watches_it_finish(phone: Phone, tmp_path: Path) -> None:
    page = phone.page
    rows = [
        "户编号,村民小组,住址,户类型,姓名,与户主关系,公民身份号码,联系电话",
        f"E2E-0101,第9组,九龙村第9组1号,,导入甲,户主,{id_number(11, date(1960, 1, 2))},",
        f"E2E-0101,第9组,九龙村第9组1号,,导入乙,配偶,{id_number(12, date(1962, 3, 4))},",
        f"E2E-0102,第9组,九龙村第9组2号,脱贫户,导入丙,户主,{id_number(13, date(1975, 7, 8))},",
        f"E2E-0103,第9组,九龙村第9组3号,,导入丁,户主,{id_number(14, date(1981, 9, 10))},",
        f"E2E-0103,第9组,九龙村第9组3号,,导入戊,子,{id_number(15, date(2008, 11, 12))},",
    ]
    sheet = tmp_path / "九龙村导入.csv"
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    phone.login("cunganbu")
    phone.goto("/registry/import/")
    phone.check("import-start")
    page.get_by_label("表格文件").set_input_files(str(sheet))
    page.get_by_label("自动创建村民小组").check()
    page.get_by_role("button", name="上传并校验").click()
    page.wait_for_url("**/registry/import/*/")
    confirm = page.get_by_role("button", name="确认导入 5 人")
    confirm.wait_for()  # the check ran in the background worker; the page polled until it was done
    phone.check("import-checked")
    text = page.locator("#import-job").inner_text()
    assert "3\n户" in text or "3 户" in text or "3户" in text.replace("\n", ""), text
    confirm.click()
    page.get_by_text("人已导入").wait_for()
    phone.check("import-done")
    assert page.locator("#import-job progress").count() == 0
    done = page.locator("#import-job").inner_text().replace("\n", "")
    assert "3户已导入" in done, done
    assert "5人已导入" in done, done
    page.get_by_role("link", name=re.compile(r"^查看九龙村.*的户$")).click()
    phone.check("import-households")
    server: Server = phone.server
    (count,) = server.query(
        "SELECT count(*) FROM registry_person p JOIN registry_household h "
        "ON h.id = p.household_id WHERE h.number LIKE %s",
        "E2E-01%",
    )[0]
    assert count == 5


def test_township_cadre_sees_its_villages_but_not_another_countys_household(
    phone: Phone,
) -> None:
    page = phone.page
    server = phone.server
    ((inside,),) = server.query(
        "SELECT id FROM registry_household WHERE village_id = %s ORDER BY id LIMIT 1", JIULONG
    )
    ((outside,),) = server.query(
        "SELECT id FROM registry_household WHERE village_id = %s ORDER BY id LIMIT 1", YANJIANG
    )
    phone.login("xiangzhen")
    phone.goto("/registry/households/")
    phone.check("township-households")
    assert "九龙村" in page.locator("main").inner_text()
    phone.goto(f"/registry/households/{inside}/")
    phone.check("township-household")
    phone.goto(f"/registry/households/{outside}/", status=404)
    assert "页面不存在" in page.locator("main").inner_text()
    phone.check("township-not-found")
    phone.logout()
