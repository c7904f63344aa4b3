"""Sanitation pages: the front page tabs, the printable roster, xlsx exports; scope (outsider
404, department 403), never 500."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.registry.models import Household
from cunwu.village.models_sanitation import (
    ChecklistItem,
    InspectionRound,
    InspectionScore,
    WasteRun,
)
from cunwu.village.tests.fixtures_sanitation import START as START_DAY
from cunwu.village.tests.fixtures_sanitation import roster


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("tab", ["roster", "inspections", "waste", "handover", "stats", "bogus"])
def test_front_page_tabs(
    tab: str, staff: User, jiulong: Region, household: Household,
    django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    roster(staff, jiulong, household)
    c = client_for(staff)
    with django_assert_max_num_queries(15):
        r = c.get(reverse("village:sanitation"), {"tab": tab, "village": jiulong.code})
    assert r.status_code == 200
    if tab == "roster":
        assert "村部至学校" in r.content.decode() and "每周一三五" in r.content.decode()


def test_print_and_exports(staff: User, jiulong: Region, household: Household) -> None:
    roster(staff, jiulong, household)
    c = client_for(staff)
    r = c.get(reverse("village:sanitation_roster_print", args=[jiulong.code]))
    assert r.status_code == 200 and "“五定”值守表" in r.content.decode()
    r = c.get(reverse("village:sanitation_export", args=["roster"]))
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("村", "路段", "岗位", "值守人") and rows[1][1:4] == (
        "村部至学校", "保洁员", "张三",
    )  # fmt: skip
    for what in ("scores", "waste"):
        assert c.get(reverse("village:sanitation_export", args=[what])).status_code == 200


def test_scope_on_pages(persona: Callable[[str], User], jiulong: Region) -> None:
    outsider = client_for(persona("另一村的村干部"))
    assert outsider.get(reverse("village:sanitation"), {"village": jiulong.code}).status_code == 404
    url = reverse("village:sanitation_roster_print", args=[jiulong.code])
    assert outsider.get(url).status_code == 404
    dept = client_for(persona("衡山县部门用户"))
    assert dept.get(reverse("village:sanitation")).status_code == 403
    assert Client().get(reverse("village:sanitation")).status_code in (302, 403)


def test_cadre_forms_duty_round_scores_waste(
    staff: User, jiulong: Region, household: Household
) -> None:
    section, post, duty = roster(staff, jiulong, household)
    c = client_for(staff)
    code = jiulong.code
    person = household.members.order_by("pk")[1]
    url = reverse("village:sanitation_duty_create", args=[code])
    assert c.get(url).status_code == 200
    data = {"person": person.pk, "post": post.pk, "section": section.pk, "weekdays": "246",
            "start_time": "16:00", "end_time": "15:00", "tasks": "清扫",
            "start_on": "2026-11-20", "replaces": duty.pk}  # fmt: skip
    r = c.post(url, data)
    assert r.status_code == 200 and "结束时间应晚于开始时间" in r.content.decode()
    duty.refresh_from_db()
    assert duty.end_on is None
    r = c.post(url, {**data, "end_time": "18:00"})
    assert r.status_code == 302
    duty.refresh_from_db()
    assert duty.end_on is not None and duty.end_on.isoformat() == "2026-11-19"
    r = c.post(reverse("village:sanitation_round_create", args=[code]),
               {"on": "2026-11-25", "inspectors": "王五"})  # fmt: skip
    assert r.status_code == 302
    rnd = InspectionRound.objects.get()
    score_url = reverse("village:sanitation_score_create", args=[rnd.pk])
    fields = {f"item_{i.pk}": i.max_score for i in ChecklistItem.objects.filter(village=jiulong)}
    r = c.post(score_url, {"household_number": "9999", **fields})
    assert r.status_code == 200 and "本村没有该户编号" in r.content.decode()
    r = c.post(score_url, {"household_number": household.number, **fields})
    assert r.status_code == 302 and InspectionScore.objects.get().total == 100
    waste_url = reverse("village:sanitation_waste_create", args=[code])
    r = c.post(waste_url, {"stage": "group", "on": "2026-11-25", "quantity_kg": "30"})
    assert r.status_code == 200 and "组收集请选择村民小组" in r.content.decode()
    r = c.post(waste_url, {"stage": "village", "on": "2026-11-25", "quantity_kg": "30"})
    assert r.status_code == 302 and WasteRun.objects.get().quantity_kg == 30
    r = c.post(waste_url, {"stage": "village", "on": "2026-11-25", "quantity_kg": "abc"})
    assert r.status_code == 200


def test_forms_scope(persona: Callable[[str], User], jiulong: Region) -> None:
    code = jiulong.code
    for name in ("section", "post", "duty", "round", "waste"):
        url = reverse(f"village:sanitation_{name}_create", args=[code])
        assert client_for(persona("另一村的村干部")).get(url).status_code == 404
        assert client_for(persona("九龙村监委会委员")).get(url).status_code in (
            (200,) if name == "round" else (403,)
        )
    assert (
        client_for(persona("开云镇干部"))
        .get(reverse("village:sanitation_waste_create", args=[code]))
        .status_code
        == 200
    )


def test_photo_upload_page(persona: Callable[[str], User], staff: User, jiulong: Region) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cunwu.village.models_sanitation import InspectionPhoto
    from cunwu.village.services import sanitation as services

    rnd = services.round_create(actor=staff, village=jiulong, on=START_DAY, inspectors="王五")
    url = reverse("village:sanitation_photo_add", args=[rnd.pk])
    c = client_for(staff)
    assert c.get(url).status_code == 200
    r = c.post(url, {"photo": SimpleUploadedFile("x.txt", b"hello")})
    assert r.status_code == 200 and "不是 PDF、PNG 或 JPEG" in r.content.decode()
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
    r = c.post(url, {"photo": SimpleUploadedFile("x.jpg", jpeg)})
    assert r.status_code == 302 and InspectionPhoto.objects.count() == 1
    assert client_for(persona("另一村的村干部")).get(url).status_code == 404
