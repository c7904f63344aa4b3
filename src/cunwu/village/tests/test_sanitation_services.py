"""Sanitation: the roster (a change ends the old duty), inspections with the checklist, waste
runs and the handover report; bad input changes nothing; scope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import given
from hypothesis import strategies as st

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent, Region
from cunwu.registry.models import Household
from cunwu.village.models_sanitation import Duty, InspectionScore, WasteRun
from cunwu.village.selectors import sanitation as sel
from cunwu.village.services import sanitation as services
from cunwu.village.tests.fixtures_sanitation import START, roster


def test_duty_change_ends_old_row_and_flags_welfare(
    staff: User, jiulong: Region, household: Household
) -> None:
    section, post, duty = roster(staff, jiulong, household)
    assert duty.weekdays == "135" and duty.weekdays_label == "每周一三五" and not duty.welfare
    household.tags = "|脱贫户|"
    household.save()
    other = household.members.order_by("pk")[1]
    new = services.duty_assign(
        actor=staff, village=jiulong, person=other, post=post, section=section, weekdays="246",
        start_time=time(16), end_time=time(18), tasks="清扫", start_on=START + timedelta(days=10),
        replaces=duty,
    )  # fmt: skip
    duty.refresh_from_db()
    assert duty.end_on == START + timedelta(days=9)
    assert new.welfare
    on = START + timedelta(days=20)
    assert [d.pk for d in sel.duties(actor=staff, village=jiulong.code, on=on)] == [new.pk]
    assert AuditEvent.objects.filter(action="village.sanitation_duty_end").count() == 1


def test_bad_duty_rejected_and_nothing_changed(
    staff: User, jiulong: Region, household: Household
) -> None:
    section, post, duty = roster(staff, jiulong, household)
    person = household.members.first()
    assert person is not None
    with pytest.raises(ApplicationError, match="结束时间应晚于开始时间") as exc:
        services.duty_assign(
            actor=staff, village=jiulong, person=person, post=post, section=section,
            weekdays="1", start_time=time(9), end_time=time(8), tasks="清扫", start_on=START,
            replaces=duty,
        )  # fmt: skip
    assert exc.value.field == "end_time"
    with pytest.raises(ApplicationError, match="星期应为1到7"):
        services.duty_assign(
            actor=staff, village=jiulong, person=person, post=post, section=section,
            weekdays="8", start_time=time(7), end_time=time(8), tasks="清扫", start_on=START,
        )  # fmt: skip
    duty.refresh_from_db()
    assert duty.end_on is None and Duty.objects.count() == 1


def test_villager_and_other_village_cannot_manage(
    persona: Callable[[str], User], jiulong: Region
) -> None:
    for name in ("九龙村村民", "另一村的村干部"):
        with pytest.raises(PermissionDenied):
            services.section_add(actor=persona(name), village=jiulong, name="主干道")


def test_scores_checked_against_checklist(
    staff: User, jiulong: Region, household: Household
) -> None:
    section, _post, _duty = roster(staff, jiulong, household)
    items = services.checklist_default(actor=staff, village=jiulong)
    assert [(i.name, i.max_score) for i in items] == [
        ("路面干净", 30), ("无乱堆乱放", 25), ("垃圾分类", 25), ("沟渠通畅", 20),
    ]  # fmt: skip
    rnd = services.round_create(actor=staff, village=jiulong, on=START, inspectors="王五、赵六")
    good = {items[0].pk: 28, items[1].pk: 20, items[2].pk: 25, items[3].pk: 15}
    with pytest.raises(ApplicationError, match="“路面干净”得分应在0到30之间"):
        services.score_record(actor=staff, round=rnd, scores={**good, items[0].pk: 31},
                              section=section)  # fmt: skip
    with pytest.raises(ApplicationError, match="请给“沟渠通畅”打分"):
        services.score_record(
            actor=staff, round=rnd, scores={k: v for k, v in good.items() if k != items[3].pk},
            section=section,
        )  # fmt: skip
    assert InspectionScore.objects.count() == 0
    score = services.score_record(actor=staff, round=rnd, scores=good, section=section)
    assert (score.total, score.max_total) == (88, 100)
    yard = services.score_record(actor=staff, round=rnd, scores=good, household=household)
    assert yard.household_id == household.pk
    with pytest.raises(ApplicationError, match="本轮已为该对象打过分"):
        services.score_record(actor=staff, round=rnd, scores=good, section=section)
    due, overdue = sel.next_round_due(jiulong, START + timedelta(days=31))
    assert due == START + timedelta(days=30) and overdue


def test_waste_chain_and_handover(persona: Callable[[str], User], jiulong: Region) -> None:
    staff, township = persona("九龙村村干部"), persona("开云镇干部")
    today = date.today()
    services.waste_run_record(actor=staff, village=jiulong, stage="village", on=today,
                              quantity_kg=1200)  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.waste_run_record(actor=staff, village=jiulong, stage="township", on=today,
                                  quantity_kg=1000)  # fmt: skip
    with pytest.raises(ApplicationError, match="数量应为正整数千克"):
        services.waste_run_record(actor=township, village=jiulong, stage="township", on=today,
                                  quantity_kg=0)  # fmt: skip
    with pytest.raises(ApplicationError, match="组收集请选择村民小组"):
        services.waste_run_record(actor=staff, village=jiulong, stage="group", on=today,
                                  quantity_kg=5)  # fmt: skip
    start = today - timedelta(days=30)
    row = next(
        r for r in sel.handover_report(actor=township, start=start, end=today)
        if r.code == jiulong.code
    )  # fmt: skip
    assert (row.collected_kg, row.transferred_kg, row.handed_over) == (1200, 0, False)
    services.waste_run_record(actor=township, village=jiulong, stage="township", on=today,
                              quantity_kg=1150)  # fmt: skip
    rows = sel.handover_report(actor=township, start=start, end=today)
    row = next(r for r in rows if r.code == jiulong.code)
    assert (row.collected_kg, row.transferred_kg, row.handed_over) == (1200, 1150, True)
    assert all(not r.handed_over for r in rows if r.code != jiulong.code)
    assert WasteRun.objects.count() == 2
    assert [r.code for r in sel.handover_report(actor=staff, start=start, end=today)] == [
        jiulong.code
    ]


@given(st.lists(st.sampled_from("1234567,、 "), min_size=1, max_size=12))
def test_weekdays_normalised(chars: list[str]) -> None:
    text = "".join(chars)
    digits = sorted({c for c in text if c.isdigit()})
    if not digits:
        with pytest.raises(ApplicationError):
            services.parse_weekdays(text)
    else:
        assert services.parse_weekdays(text) == "".join(digits)


def test_outsider_gets_404(persona: Callable[[str], User], jiulong: Region) -> None:
    from django.http import Http404

    with pytest.raises(Http404):
        sel.village_get(actor=persona("另一村的村干部"), code=jiulong.code)
    _unused: Any = None


def test_demo_is_idempotent(persona: Callable[[str], User], jiulong: Region,
                            household: Household) -> None:  # fmt: skip
    from cunwu.web.demo_village_sanitation import demo_village_sanitation

    users = {"cadre": persona("九龙村村干部"), "work_team": persona("九龙村工作队员"),
             "township": persona("开云镇干部"), "admin": persona("衡山县管理员")}  # fmt: skip
    assert demo_village_sanitation(**users, village=jiulong) == 3 + 2 + 3 + 1 + 3 + 8
    assert demo_village_sanitation(**users, village=jiulong) == 0


def test_statistics_figures(staff: User, jiulong: Region, household: Household) -> None:
    section, _post, _duty = roster(staff, jiulong, household)
    items = services.checklist_default(actor=staff, village=jiulong)
    rnd = services.round_create(actor=staff, village=jiulong, on=START, inspectors="王五")
    services.score_record(actor=staff, round=rnd, section=section,
                          scores={i.pk: i.max_score // 2 for i in items})  # fmt: skip
    services.waste_run_record(actor=staff, village=jiulong, stage="village", on=START,
                              quantity_kg=700)  # fmt: skip
    charts = sel.statistics(actor=staff, year=START.year)
    assert charts["score_month"]["values"][10] == 49 and charts["score_month"]["values"][0] == 0
    assert charts["score_section"]["rows"] == [["村部至学校", 49]]
    village_series = next(s for s in charts["waste_month"]["series"] if s["name"] == "村集中")
    assert village_series["values"][10] == 700 and sum(village_series["values"]) == 700
    assert charts["waste_month"]["rows"][10] == ["11月", 0, 0, 700, 0]


def test_members_and_photos(staff: User, jiulong: Region, household: Household) -> None:
    from cunwu.village.models_sanitation import InspectionPhoto

    head, spouse = household.members.order_by("pk")[:2]
    services.member_add(actor=staff, village=jiulong, person=head, role="chair", start_on=START)
    with pytest.raises(ApplicationError, match="协会已有会长"):
        services.member_add(actor=staff, village=jiulong, person=spouse, role="chair",
                            start_on=START)  # fmt: skip
    with pytest.raises(ApplicationError, match="此人已是协会会员"):
        services.member_add(actor=staff, village=jiulong, person=head, role="member",
                            start_on=START)  # fmt: skip
    assert [m.person.name for m in sel.members(actor=staff)] == ["张三"]
    rnd = services.round_create(actor=staff, village=jiulong, on=START, inspectors="王五")
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
    with pytest.raises(ApplicationError, match="不是 PDF、PNG 或 JPEG") as exc:
        services.round_photos_add(actor=staff, round=rnd, files=[("a.jpg", jpeg), ("b.exe", b"MZ")])
    assert exc.value.field == "files" and InspectionPhoto.objects.count() == 0
    photos = services.round_photos_add(actor=staff, round=rnd, files=[("a.jpg", jpeg)])
    assert photos[0].content_type == "image/jpeg" and photos[0].size == len(jpeg)
