"""Editing the sanitation checklist (add, rename, change the maximum, retire, restore) and the
roster's sections and posts (rename; retire while no duty is current, keeping their duties and
scores; a retired one is not assigned, scored or renamed until restored): recorded scores
keep their values, bad input changes nothing, other villages and villagers are refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent, Region, VillageGroup
from cunwu.registry.models import Household
from cunwu.testing import YANJIANG
from cunwu.village.models_sanitation import (
    ChecklistItem,
    Duty,
    DutyPost,
    InspectionScore,
    RoadSection,
)
from cunwu.village.services import sanitation as services
from cunwu.village.tests.fixtures_sanitation import START, roster, yard_round


def _state(village: Region) -> list[tuple[str, int, int, bool]]:
    return list(
        ChecklistItem.objects.filter(village=village)
        .order_by("pk")
        .values_list("name", "max_score", "position", "active")
    )


def test_item_added_at_the_end_and_scored_from_then_on(
    staff: User, jiulong: Region, household: Household
) -> None:
    rnd, _items, score = yard_round(staff, jiulong, household)
    item = services.checklist_item_add(actor=staff, village=jiulong, name=" 厕所  卫生 ",
                                       max_score=10)  # fmt: skip
    assert (item.name, item.max_score, item.position, item.active) == ("厕所 卫生", 10, 4, True)
    assert AuditEvent.objects.filter(action="village.sanitation_item_add").count() == 1
    score.refresh_from_db()
    assert (score.total, score.max_total, len(score.items)) == (80, 100, 4)
    section, _post, _duty = roster(staff, jiulong, household)
    active = ChecklistItem.objects.filter(village=jiulong, active=True)
    with pytest.raises(ApplicationError, match="请给“厕所 卫生”打分"):
        services.score_record(actor=staff, round=rnd, section=section,
                              scores={i.pk: 1 for i in active if i.pk != item.pk})  # fmt: skip
    new = services.score_record(actor=staff, round=rnd, section=section,
                                scores={i.pk: i.max_score for i in active})  # fmt: skip
    assert (new.total, new.max_total, new.items[str(item.pk)]) == (110, 110, 10)


@pytest.mark.parametrize(
    ("name", "max_score", "message", "status"),
    [
        ("路面干净", 10, "本村已有督查项目“路面干净”", 409),
        ("", 10, "请填写检查项目", 400),
        ("长" * 31, 10, "检查项目至多30字", 400),
        ("厕所卫生", 0, "满分应为1到100的整数", 400),
        ("厕所卫生", 101, "满分应为1到100的整数", 400),
    ],
)
def test_bad_item_rejected_and_nothing_changed(
    staff: User, jiulong: Region, name: str, max_score: int, message: str, status: int
) -> None:
    services.checklist_default(actor=staff, village=jiulong)
    before = _state(jiulong)
    with pytest.raises(ApplicationError) as exc:
        services.checklist_item_add(actor=staff, village=jiulong, name=name, max_score=max_score)
    assert (exc.value.message, exc.value.status) == (message, status)
    assert _state(jiulong) == before


def test_item_change_keeps_recorded_scores(
    staff: User, jiulong: Region, household: Household
) -> None:
    rnd, items, score = yard_round(staff, jiulong, household)
    road = items[0]
    changed = services.checklist_item_update(actor=staff, item=road, name="路面整洁",
                                             max_score=40)  # fmt: skip
    assert (changed.name, changed.max_score, changed.position) == ("路面整洁", 40, 0)
    score.refresh_from_db()
    assert score.items == {str(i.pk): i.max_score - 5 for i in items}
    assert (score.total, score.max_total) == (80, 100)
    section, _post, _duty = roster(staff, jiulong, household)
    new = services.score_record(
        actor=staff, round=rnd, section=section,
        scores={road.pk: 40, **{i.pk: i.max_score for i in items[1:]}},
    )  # fmt: skip
    assert (new.total, new.max_total) == (110, 110)
    with pytest.raises(ApplicationError, match="本村已有督查项目“垃圾分类”") as exc:
        services.checklist_item_update(actor=staff, item=road, name="垃圾分类", max_score=40)
    assert exc.value.status == 409
    with pytest.raises(ApplicationError, match="满分应为1到100的整数"):
        services.checklist_item_update(actor=staff, item=road, name="路面", max_score=True)
    road.refresh_from_db()
    assert (road.name, road.max_score) == ("路面整洁", 40)


def test_retired_item_no_longer_scored_and_restorable(
    staff: User, jiulong: Region, household: Household
) -> None:
    rnd, items, score = yard_round(staff, jiulong, household)
    ditch = items[3]
    retired = services.checklist_item_set_active(actor=staff, item=ditch, active=False)
    assert retired.active is False
    score.refresh_from_db()
    assert (score.items[str(ditch.pk)], score.total, score.max_total) == (15, 80, 100)
    section, _post, _duty = roster(staff, jiulong, household)
    new = services.score_record(actor=staff, round=rnd, section=section,
                                scores={i.pk: i.max_score for i in items[:3]})  # fmt: skip
    assert (new.total, new.max_total, str(ditch.pk) in new.items) == (80, 80, False)
    hint = "（已停用，可重新启用）"
    for call, message in (
        (lambda: services.checklist_item_set_active(actor=staff, item=ditch, active=False),
         "该督查项目已停用"),
        (lambda: services.checklist_item_update(actor=staff, item=ditch, name="沟渠",
                                                max_score=5), "该督查项目已停用，不能修改"),
        (lambda: services.checklist_item_add(actor=staff, village=jiulong, name="沟渠通畅",
                                             max_score=5), f"本村已有督查项目“沟渠通畅”{hint}"),
    ):  # fmt: skip
        with pytest.raises(ApplicationError) as exc:
            call()
        assert (exc.value.message, exc.value.status) == (message, 409)
    restored = services.checklist_item_set_active(actor=staff, item=ditch, active=True)
    assert (restored.active, restored.position, restored.max_score) == (True, 3, 20)
    assert (
        AuditEvent.objects.filter(
            action__in=["village.sanitation_item_retire", "village.sanitation_item_restore"]
        ).count()
        == 2
    )


def test_last_active_item_cannot_be_retired(staff: User, jiulong: Region) -> None:
    items = services.checklist_default(actor=staff, village=jiulong)
    for item in items[:3]:
        services.checklist_item_set_active(actor=staff, item=item, active=False)
    with pytest.raises(ApplicationError) as exc:
        services.checklist_item_set_active(actor=staff, item=items[3], active=False)
    assert (exc.value.message, exc.value.status) == ("至少保留一个启用的督查项目", 409)
    assert [a for *_x, a in _state(jiulong)] == [False, False, False, True]


@pytest.mark.parametrize("name", ["九龙村村民", "另一村的村干部", "九龙村监委会委员", "开云镇干部"])
def test_only_the_village_cadre_edits_the_checklist(
    persona: Callable[[str], User], staff: User, jiulong: Region, name: str
) -> None:
    items = services.checklist_default(actor=staff, village=jiulong)
    user = persona(name)
    with pytest.raises(PermissionDenied):
        services.checklist_item_add(actor=user, village=jiulong, name="厕所", max_score=5)
    with pytest.raises(PermissionDenied):
        services.checklist_item_update(actor=user, item=items[0], name="x", max_score=5)
    with pytest.raises(PermissionDenied):
        services.checklist_item_set_active(actor=user, item=items[0], active=False)
    assert _state(jiulong) == [(n, m, i, True) for i, (n, m) in
                               enumerate(services.DEFAULT_CHECKLIST)]  # fmt: skip


def test_section_renamed_and_checked(staff: User, jiulong: Region, household: Household) -> None:
    section, _post, duty = roster(staff, jiulong, household)
    services.section_add(actor=staff, village=jiulong, name="河堤")
    group = VillageGroup.objects.get(village=jiulong)
    changed = services.section_update(actor=staff, section=section, name="村部至小学",
                                      group=None, description="水泥路", length_m=900)  # fmt: skip
    assert (changed.name, changed.group_id, changed.description, changed.length_m) == (
        "村部至小学", None, "水泥路", 900,
    )  # fmt: skip
    assert Duty.objects.get(pk=duty.pk).section.name == "村部至小学"
    other_group = VillageGroup.objects.create(village_id=YANJIANG, name="一组", number=1)
    for kwargs, message, status in (
        ({"name": "河堤"}, "本村已有路段“河堤”", 409),
        ({"name": " "}, "请填写路段名称", 400),
        ({"name": "x", "group": other_group}, "村民小组不属于本村", 400),
        ({"name": "x", "length_m": 100_001}, "长度应在0到100000米之间", 400),
    ):
        with pytest.raises(ApplicationError) as exc:
            services.section_update(actor=staff, section=section, **kwargs)  # type: ignore[arg-type]
        assert (exc.value.message, exc.value.status) == (message, status)
    section.refresh_from_db()
    assert (section.name, section.length_m, section.description) == ("村部至小学", 900, "水泥路")
    assert group.village_id == jiulong.code
    assert AuditEvent.objects.filter(action="village.sanitation_section_update").count() == 1


def _move_duty(staff: User, duty: Duty, **change: Any) -> Duty:
    """The duty replaced by one on another section or post from START + 10 days: the old one
    ended on START + 9 days (in the past), so its section and post have no current duty."""
    fields = {"post": duty.post, "section": duty.section, **change}
    return services.duty_assign(
        actor=staff, village=duty.village, person=duty.person, weekdays="135",
        start_time=time(7), end_time=time(9), tasks="清扫",
        start_on=START + timedelta(days=10), replaces=duty, **fields,
    )  # fmt: skip


def test_section_with_past_duties_and_scores_is_retired_and_they_remain(
    staff: User, jiulong: Region, household: Household
) -> None:
    section, _post, duty = roster(staff, jiulong, household)
    items = services.checklist_default(actor=staff, village=jiulong)
    rnd = services.round_create(actor=staff, village=jiulong, on=START, inspectors="王五")
    score = services.score_record(actor=staff, round=rnd, section=section,
                                  scores={i.pk: i.max_score - 2 for i in items})  # fmt: skip
    with pytest.raises(ApplicationError) as exc:
        services.section_retire(actor=staff, section=section)
    assert (exc.value.code, exc.value.message, exc.value.status) == (
        "section_on_duty", "该路段有1项在岗值守，不能撤销", 409,
    )  # fmt: skip
    section.refresh_from_db()
    assert section.retired_on is None
    river = services.section_add(actor=staff, village=jiulong, name="河堤")
    moved = _move_duty(staff, duty, section=river)
    retired = services.section_retire(actor=staff, section=section)
    today = timezone.localdate()
    assert (retired.pk, retired.name, retired.retired_on) == (section.pk, "村部至学校", today)
    assert RoadSection.objects.get(pk=section.pk).retired_on == today
    old = Duty.objects.get(pk=duty.pk)
    assert (old.section_id, old.end_on) == (section.pk, START + timedelta(days=9))
    kept = InspectionScore.objects.get(pk=score.pk)
    assert (kept.section_id, kept.total, kept.max_total) == (section.pk, 92, 100)
    assert Duty.objects.get(pk=moved.pk).section_id == river.pk
    event = AuditEvent.objects.get(action="village.sanitation_section_retire")
    assert event.payload == {"name": "村部至学校", "retired_on": today.isoformat()}
    with pytest.raises(ApplicationError) as exc:
        services.section_retire(actor=staff, section=section)
    assert (exc.value.code, exc.value.message, exc.value.status) == (
        "section_retired", "该路段已撤销", 409,
    )  # fmt: skip
    assert RoadSection.objects.count() == 2 and Duty.objects.count() == 2


def test_retired_section_cannot_be_assigned_scored_or_renamed_until_restored(
    staff: User, jiulong: Region, household: Household
) -> None:
    section, post, duty = roster(staff, jiulong, household)
    river = services.section_add(actor=staff, village=jiulong, name="河堤")
    _move_duty(staff, duty, section=river)
    services.section_retire(actor=staff, section=section)
    items = services.checklist_default(actor=staff, village=jiulong)
    rnd = services.round_create(actor=staff, village=jiulong, on=START, inspectors="王五")
    before = (Duty.objects.count(), InspectionScore.objects.count())
    for call, code, message, field in (
        (lambda: services.duty_assign(
            actor=staff, village=jiulong, person=duty.person, post=post, section=section,
            weekdays="246", start_time=time(16), end_time=time(17), tasks="清扫",
            start_on=START + timedelta(days=20)),
         "section_retired", "路段“村部至学校”已撤销，不能安排值守", "section"),
        (lambda: services.score_record(actor=staff, round=rnd, section=section,
                                       scores={i.pk: 1 for i in items}),
         "section_retired", "路段“村部至学校”已撤销，不能打分", "section"),
        (lambda: services.section_update(actor=staff, section=section, name="村部至小学"),
         "section_retired", "该路段已撤销，不能修改", None),
        (lambda: services.section_add(actor=staff, village=jiulong, name="村部至学校"),
         "section_exists", "本村已有路段“村部至学校”（已撤销，可重新启用）", "name"),
        (lambda: services.section_restore(actor=staff, section=river),
         "section_not_retired", "该路段未撤销", None),
    ):  # fmt: skip
        with pytest.raises(ApplicationError) as exc:
            call()
        assert (exc.value.code, exc.value.message, exc.value.status, exc.value.field) == (
            code, message, 409, field,
        )  # fmt: skip
    assert (Duty.objects.count(), InspectionScore.objects.count()) == before
    section.refresh_from_db()
    assert (section.name, section.retired_on is not None) == ("村部至学校", True)
    restored = services.section_restore(actor=staff, section=section)
    assert restored.retired_on is None and RoadSection.objects.get(pk=section.pk).retired_on is None
    event = AuditEvent.objects.get(action="village.sanitation_section_restore")
    assert event.payload == {"name": "村部至学校", "retired_on": timezone.localdate().isoformat()}
    score = services.score_record(actor=staff, round=rnd, section=section,
                                  scores={i.pk: 1 for i in items})  # fmt: skip
    assert (score.section_id, score.total, score.max_total) == (section.pk, 4, 100)
    again = services.duty_assign(
        actor=staff, village=jiulong, person=duty.person, post=post, section=section,
        weekdays="246", start_time=time(16), end_time=time(17), tasks="清扫",
        start_on=START + timedelta(days=20),
    )  # fmt: skip
    assert again.section_id == section.pk
    assert services.section_update(actor=staff, section=section, name="村部至小学").name == (
        "村部至小学"
    )


def test_post_with_past_duties_is_retired_and_refused_until_restored(
    staff: User, jiulong: Region, household: Household
) -> None:
    section, post, duty = roster(staff, jiulong, household)
    with pytest.raises(ApplicationError) as exc:
        services.post_retire(actor=staff, post=post)
    assert (exc.value.code, exc.value.message, exc.value.status) == (
        "post_on_duty", "该岗位有1项在岗值守，不能撤销", 409,
    )  # fmt: skip
    keeper = services.post_add(actor=staff, village=jiulong, name="监督员")
    _move_duty(staff, duty, post=keeper)
    retired = services.post_retire(actor=staff, post=post)
    today = timezone.localdate()
    assert retired.retired_on == today == DutyPost.objects.get(pk=post.pk).retired_on
    assert Duty.objects.get(pk=duty.pk).post_id == post.pk
    with pytest.raises(ApplicationError) as exc:
        services.post_retire(actor=staff, post=post)
    assert (exc.value.code, exc.value.message, exc.value.status) == (
        "post_retired", "该岗位已撤销", 409,
    )  # fmt: skip
    for call, code, message, field in (
        (lambda: services.duty_assign(
            actor=staff, village=jiulong, person=duty.person, post=post, section=section,
            weekdays="246", start_time=time(16), end_time=time(17), tasks="清扫",
            start_on=START + timedelta(days=20)),
         "post_retired", "岗位“保洁员”已撤销，不能安排值守", "post"),
        (lambda: services.post_update(actor=staff, post=post, name="保洁队长"),
         "post_retired", "该岗位已撤销，不能修改", None),
        (lambda: services.post_add(actor=staff, village=jiulong, name="保洁员"),
         "post_exists", "本村已有岗位“保洁员”（已撤销，可重新启用）", "name"),
        (lambda: services.post_restore(actor=staff, post=keeper),
         "post_not_retired", "该岗位未撤销", None),
    ):  # fmt: skip
        with pytest.raises(ApplicationError) as exc:
            call()
        assert (exc.value.code, exc.value.message, exc.value.status, exc.value.field) == (
            code, message, 409, field,
        )  # fmt: skip
    assert Duty.objects.count() == 2
    assert services.post_restore(actor=staff, post=post).retired_on is None
    assert services.post_update(actor=staff, post=post, name="保洁队长").name == "保洁队长"
    actions = AuditEvent.objects.filter(action__startswith="village.sanitation_post_r")
    assert sorted(actions.values_list("action", flat=True)) == [
        "village.sanitation_post_restore", "village.sanitation_post_retire",
    ]  # fmt: skip


def test_unused_section_and_post_are_retired_not_deleted(staff: User, jiulong: Region) -> None:
    section = services.section_add(actor=staff, village=jiulong, name="河堤")
    post = services.post_add(actor=staff, village=jiulong, name="监督员")
    services.section_retire(actor=staff, section=section)
    services.post_retire(actor=staff, post=post)
    today = timezone.localdate()
    assert list(RoadSection.objects.values_list("name", "retired_on")) == [("河堤", today)]
    assert list(DutyPost.objects.values_list("name", "retired_on")) == [("监督员", today)]
    retired = AuditEvent.objects.filter(
        action__in=["village.sanitation_section_retire", "village.sanitation_post_retire"]
    )
    assert sorted(e.payload["name"] for e in retired) == ["河堤", "监督员"]


def test_post_renamed_and_not_retired_while_on_duty(
    staff: User, jiulong: Region, household: Household
) -> None:
    _section, post, duty = roster(staff, jiulong, household)
    services.post_add(actor=staff, village=jiulong, name="监督员")
    changed = services.post_update(actor=staff, post=post, name=" 保洁 员 ")
    assert changed.name == "保洁 员" and Duty.objects.get(pk=duty.pk).post.name == "保洁 员"
    for name, message, status in (
        ("监督员", "本村已有岗位“监督员”", 409),
        ("", "请填写岗位名称", 400),
        ("岗" * 31, "岗位名称至多30字", 400),
    ):
        with pytest.raises(ApplicationError) as exc:
            services.post_update(actor=staff, post=post, name=name)
        assert (exc.value.message, exc.value.status) == (message, status)
    with pytest.raises(ApplicationError) as exc:
        services.post_retire(actor=staff, post=post)
    assert (exc.value.message, exc.value.status) == ("该岗位有1项在岗值守，不能撤销", 409)
    post.refresh_from_db()
    assert post.name == "保洁 员"


@pytest.mark.parametrize("name", ["九龙村村民", "另一村的村干部", "九龙村监委会委员"])
def test_only_the_village_cadre_edits_sections_and_posts(
    persona: Callable[[str], User], staff: User, jiulong: Region, name: str
) -> None:
    section = services.section_add(actor=staff, village=jiulong, name="河堤")
    post = services.post_add(actor=staff, village=jiulong, name="监督员")
    retired_section = services.section_retire(
        actor=staff, section=services.section_add(actor=staff, village=jiulong, name="广场")
    )
    retired_post = services.post_retire(
        actor=staff, post=services.post_add(actor=staff, village=jiulong, name="队长")
    )
    user = persona(name)
    for call in (
        lambda: services.section_update(actor=user, section=section, name="x"),
        lambda: services.section_retire(actor=user, section=section),
        lambda: services.section_restore(actor=user, section=retired_section),
        lambda: services.post_update(actor=user, post=post, name="x"),
        lambda: services.post_retire(actor=user, post=post),
        lambda: services.post_restore(actor=user, post=retired_post),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert list(RoadSection.objects.values_list("name", "retired_on")) == [
        ("广场", retired_section.retired_on), ("河堤", None),
    ]  # fmt: skip
    assert list(DutyPost.objects.values_list("name", "retired_on")) == [
        ("监督员", None), ("队长", retired_post.retired_on),
    ]  # fmt: skip
