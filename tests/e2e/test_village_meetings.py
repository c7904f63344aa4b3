"""屋场恳谈会 in a browser on a phone: the village cadre registers a meeting of a villagers'
group, ticks who came, records an opinion with its owner and deadline and publishes the results;
the opinion is then on the list of opinions being handled."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from .conftest import Phone
from .test_foundation import JIULONG


def test_cadre_holds_a_meeting_and_publishes_it_on_a_phone(phone: Phone) -> None:
    page = phone.page
    today = timezone.localdate()
    deadline = today + timedelta(days=20)

    phone.login("cunganbu")
    phone.goto("/village/meetings/")
    phone.check("meetings-list")
    phone.goto(f"/village/meetings/new/?village={JIULONG}")
    phone.check("meeting-new")
    page.get_by_label("村民小组").select_option(index=1)
    page.get_by_label("日期").fill(today.isoformat())
    page.get_by_label("地点").fill("张家院子")
    page.get_by_label("议题").fill("修缮组里的机耕道")
    page.get_by_label("纪要").fill("与会村民同意先修张家院子至后山的一段，投工投劳。")
    page.get_by_role("button", name="确定").click()
    page.wait_for_url(re.compile(r"/village/meetings/\d+/attendance/$"))
    phone.check("meeting-attendance")
    meeting = int(page.url.rstrip("/").split("/")[-2])

    expected = page.locator("input[name=expected]:checked").count()
    present = page.locator("input[name=present]:checked").count()
    assert expected > 1 and present == expected, (expected, present)
    page.locator("input[name=present]:checked").first.uncheck()
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(rf"/village/meetings/{meeting}/$"))
    phone.check("meeting-detail")
    message = f"已登记：应到{expected}人，实到{expected - 1}人，缺席1人"
    assert message in page.content()
    rows = phone.server.query(
        "SELECT COUNT(*), SUM(CASE WHEN present THEN 1 ELSE 0 END) FROM village_meetingattendee"
        " WHERE meeting_id = %s",
        meeting,
    )
    assert [tuple(int(v) for v in rows[0])] == [(expected, expected - 1)]

    page.get_by_role("link", name="登记意见").click()
    page.wait_for_load_state("networkidle")
    phone.check("meeting-opinion")
    page.get_by_label("意见内容").fill("机耕道拐弯处要加装护栏")
    page.get_by_label("责任人").select_option(index=1)
    page.get_by_label("办理期限").fill(deadline.isoformat())
    page.get_by_role("button", name="确定").click()
    page.wait_for_url(re.compile(rf"/village/meetings/{meeting}/$"))
    assert "已登记意见，查询码" in page.content()
    assert "机耕道拐弯处要加装护栏" in page.locator("main").inner_text()

    page.get_by_role("button", name="公开恳谈会结果").click()
    page.wait_for_url(re.compile(rf"/village/meetings/{meeting}/$"))
    phone.check("meeting-published")
    text = page.locator("main").inner_text()
    assert "已公开恳谈会结果" in page.content()
    assert "结果已公开" in text
    assert page.get_by_role("button", name="公开恳谈会结果").count() == 0

    phone.goto("/village/meetings/opinions/")
    phone.check("meeting-opinions")
    assert "机耕道拐弯处要加装护栏" in page.locator("main").inner_text()
