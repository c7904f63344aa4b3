"""四清单 and 办件 in a browser on a phone: the county's example template is loaded, a village
cadre adopts an item, looks at its flowchart, opens a case from it and finishes the first step;
the applicant follows the case on the public page with the tracking code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Any

from .conftest import PHONE, ROOT, Phone, Server


def _seed(server: Server) -> None:
    """``cunwu lists seed`` against the served database, as the operator would run it."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=server.db,
        DJANGO_SETTINGS_MODULE="cunwu.settings.dev",
        SECRET_KEY="e2e-only-not-secret",
        CUNWU_FIELD_KEY="e2e-only-field-key",
    )
    subprocess.run(
        [sys.executable, "-m", "cunwu", "lists", "seed", "--county", "430423"],
        env=env, cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip


def test_adopt_an_item_open_a_case_advance_it_and_track_it_by_code(
    phone: Phone, browser: Any
) -> None:
    _seed(phone.server)
    page = phone.page
    phone.login("cunganbu")
    phone.goto("/disclosure/lists/")
    phone.check("list-items")
    page.get_by_label("搜索").fill("残疾人证")
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name="残疾人证申请代办").click()
    page.get_by_role("heading", name="残疾人证申请代办").wait_for()
    assert page.locator("main svg.flowchart").count() == 1
    phone.check("county-template")
    page.get_by_label("采用单位").select_option(label="衡山县开云镇九龙村委会")
    page.get_by_role("button", name="采用").click()
    page.get_by_text("已采用“残疾人证申请代办”").wait_for()
    assert "依据模板" in page.locator("main").inner_text()
    phone.check("village-copy")

    page.get_by_role("link", name="受理办件").click()
    page.get_by_label("申请人姓名").fill("周德福")
    page.get_by_label("申请事由").fill("申请办理残疾人证，联系电话13912345678")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/disclosure/cases/\d+/$"))
    page.get_by_text("已受理，查询码").wait_for()
    code = page.locator("main .tracking-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{10}", code), code
    phone.check("case-opened")
    page.get_by_label("办理说明").fill("已协助填写申请表")
    page.get_by_role("button", name="办结本环节").click()
    page.get_by_text("本环节已办结").wait_for()
    assert "报乡镇残联（当前环节）" in page.locator("main").inner_text()
    phone.check("case-advanced")

    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="zh-CN")
    context.set_default_timeout(15_000)
    applicant = Phone(context.new_page(), phone.server, phone.shots, f"{phone.name}-applicant")
    applicant.goto("/public/case/track/")
    applicant.check("track-form")
    applicant.page.get_by_label("查询码").fill(code.lower())
    applicant.page.get_by_role("button", name="查询").click()
    applicant.page.wait_for_url(re.compile(rf"/public/case/track/{code}/$"))
    text = applicant.page.locator("main").inner_text()
    assert "残疾人证申请代办" in text
    assert "报乡镇残联（当前环节）" in text
    assert "周德福" not in text and "13912345678" not in text and "已协助填写" not in text
    applicant.check("track-case")
    context.close()
