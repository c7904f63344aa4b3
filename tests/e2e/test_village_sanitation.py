"""村级卫生协会 in a browser on a phone: the village cadre opens the roster, adds a road section,
records an inspection round and scores the section against the checklist, then records a
村集中 waste run; the statistics tab draws its charts."""

from __future__ import annotations

from .conftest import Phone
from .test_foundation import JIULONG


def test_cadre_roster_inspection_and_waste_on_phone(phone: Phone) -> None:
    phone.login("cunganbu")
    phone.goto(f"/village/sanitation/?village={JIULONG}")
    phone.check("sanitation-roster")
    phone.goto(f"/village/sanitation/{JIULONG}/sections/new/")
    phone.page.get_by_label("路段名称").fill("后山小路")
    phone.page.get_by_label("长度（米）").fill("350")
    phone.page.get_by_role("button", name="确定").click()
    phone.page.wait_for_load_state("networkidle")
    phone.goto(f"/village/sanitation/{JIULONG}/rounds/new/")
    phone.check("sanitation-round-new")
    phone.page.get_by_label("督查人员").fill("王五")
    phone.page.get_by_role("button", name="确定").click()
    phone.page.wait_for_load_state("networkidle")
    phone.check("sanitation-score")
    phone.page.get_by_label("路段").select_option(label="后山小路")
    for label, value in (("路面干净", "28"), ("无乱堆乱放", "20"), ("垃圾分类", "25"),
                         ("沟渠通畅", "18")):  # fmt: skip
        phone.page.get_by_label(label, exact=False).fill(value)
    phone.page.get_by_role("button", name="确定").click()
    phone.page.wait_for_load_state("networkidle")
    assert "本轮已打分" in phone.page.content()
    phone.goto(f"/village/sanitation/{JIULONG}/waste/new/")
    phone.page.get_by_label("环节").select_option(label="村集中")
    phone.page.get_by_label("数量（千克）").fill("640")
    phone.page.get_by_role("button", name="确定").click()
    phone.page.wait_for_load_state("networkidle")
    assert "640" in phone.page.content()
    phone.goto(f"/village/sanitation/?tab=stats&village={JIULONG}")
    phone.check("sanitation-stats")
