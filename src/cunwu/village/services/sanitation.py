"""Writes of the sanitation part: the duty roster (路段、岗位、值守 — a change ends the old duty
and starts a new one), the inspection checklist, rounds and scores, and the waste chain runs."""

from __future__ import annotations

from datetime import date, time
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from cunwu.accounts.permissions import require
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region, RegionLevel, VillageGroup
from cunwu.disclosure.content import store_attachments
from cunwu.monitoring.models import MonitoredHousehold
from cunwu.registry.models import Person, PersonStatus

from ..models_sanitation import (
    AssociationMember,
    ChecklistItem,
    Duty,
    DutyPost,
    InspectionPhoto,
    InspectionRound,
    InspectionScore,
    MemberRole,
    RoadSection,
    WasteRun,
    WasteStage,
)
from .common import audit

DEFAULT_CHECKLIST = [("路面干净", 30), ("无乱堆乱放", 25), ("垃圾分类", 25), ("沟渠通畅", 20)]


def _text(value: str, *, field: str, label: str, limit: int, required: bool = True) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise ApplicationError(f"{field}_required", f"请填写{label}", field=field)
    if len(text) > limit:
        raise ApplicationError(f"{field}_long", f"{label}至多{limit}字", field=field)
    return text


def _name_free(same: Any, name: str, *, noun: str, kind: str) -> None:
    """409 when the village has a section (post) of that name, retired ones included."""
    found = same.first()
    if found is not None:
        hint = "（已撤销，可重新启用）" if found.retired_on is not None else ""
        raise ApplicationError(
            f"{kind}_exists", f"本村已有{noun}“{name}”{hint}", field="name", status=409
        )


@transaction.atomic
def section_add(
    *, actor: Any, village: Region, name: str, group: VillageGroup | None = None,
    description: str = "", length_m: int = 0,
) -> RoadSection:  # fmt: skip
    """定路段."""
    require(actor, "village.manage", village)
    name = _text(name, field="name", label="路段名称", limit=50)
    if group is not None and group.village_id != village.code:
        raise ApplicationError("group_other_village", "村民小组不属于本村", field="group")
    if not 0 <= length_m <= 100_000:
        raise ApplicationError("length_bounds", "长度应在0到100000米之间", field="length_m")
    _name_free(RoadSection.objects.filter(village=village, name=name), name, noun="路段",
               kind="section")  # fmt: skip
    section = RoadSection.objects.create(
        village=village, group=group, name=name, length_m=length_m,
        description=_text(description, field="description", label="说明", limit=200,
                          required=False),
    )  # fmt: skip
    audit(actor, village, "sanitation_section_add", section, name=name, length_m=length_m)
    return section


@transaction.atomic
def post_add(*, actor: Any, village: Region, name: str) -> DutyPost:
    """定岗."""
    require(actor, "village.manage", village)
    name = _text(name, field="name", label="岗位名称", limit=30)
    _name_free(DutyPost.objects.filter(village=village, name=name), name, noun="岗位",
               kind="post")  # fmt: skip
    post = DutyPost.objects.create(village=village, name=name)
    audit(actor, village, "sanitation_post_add", post, name=name)
    return post


def parse_weekdays(value: str) -> str:
    """ "135" or "1,3,5" → "135": ISO weekdays, each once, in order."""
    digits = [c for c in str(value) if not c.isspace() and c not in ",，、"]
    if not digits or any(c not in "1234567" for c in digits):
        raise ApplicationError("weekdays_invalid", "星期应为1到7的数字，如135", field="weekdays")
    return "".join(sorted(set(digits)))


def is_welfare_person(person: Person) -> bool:
    """A person of a monitored household or of a 脱贫户 holds the duty as a public-welfare job."""
    household = person.household
    return (
        "|脱贫户|" in f"|{household.tags.strip('|')}|"
        or MonitoredHousehold.objects.filter(household=household).exists()
    )


@transaction.atomic
def duty_assign(
    *, actor: Any, village: Region, person: Person, post: DutyPost, section: RoadSection,
    weekdays: str, start_time: time, end_time: time, tasks: str, start_on: date,
    replaces: Duty | None = None,
) -> Duty:  # fmt: skip
    """定人定时定任务. With ``replaces`` the old duty ends the day before the new one starts."""
    require(actor, "village.manage", village)
    if post.village_id != village.code:
        raise ApplicationError("post_other_village", "岗位不属于本村", field="post")
    if section.village_id != village.code:
        raise ApplicationError("section_other_village", "路段不属于本村", field="section")
    if person.household.village_id != village.code or person.status != PersonStatus.ACTIVE:
        raise ApplicationError("person_not_in_village", "值守人须为本村在册人员", field="person")
    # the post and the section are locked: a retirement racing this assignment either sees the
    # new duty (and refuses) or is seen here
    if DutyPost.objects.select_for_update().get(pk=post.pk).retired_on is not None:
        raise ApplicationError(
            "post_retired", f"岗位“{post.name}”已撤销，不能安排值守", field="post", status=409
        )
    if RoadSection.objects.select_for_update().get(pk=section.pk).retired_on is not None:
        raise ApplicationError(
            "section_retired", f"路段“{section.name}”已撤销，不能安排值守", field="section",
            status=409,
        )  # fmt: skip
    days = parse_weekdays(weekdays)
    if end_time <= start_time:
        raise ApplicationError("time_order", "结束时间应晚于开始时间", field="end_time")
    tasks = _text(tasks, field="tasks", label="任务", limit=200)
    if replaces is not None:
        old = Duty.objects.select_for_update().get(pk=replaces.pk)
        if old.village_id != village.code:
            raise ApplicationError("duty_other_village", "原值守不属于本村", field="replaces")
        if old.end_on is not None:
            raise ApplicationError("duty_ended", "原值守已结束", field="replaces", status=409)
        if start_on <= old.start_on:
            raise ApplicationError(
                "start_before_old", "新值守的开始日期应晚于原值守的开始日期", field="start_on"
            )
        old.end_on = date.fromordinal(start_on.toordinal() - 1)
        old.save(update_fields=["end_on"])
        audit(actor, village, "sanitation_duty_end", old, end_on=old.end_on.isoformat())
    duty = Duty.objects.create(
        village=village, county_code=village.code[:6], person=person, post=post,
        section=section, weekdays=days, start_time=start_time, end_time=end_time, tasks=tasks,
        welfare=is_welfare_person(person), start_on=start_on, created_by=actor,
    )  # fmt: skip
    audit(
        actor, village, "sanitation_duty_assign", duty, person=person.pk, post=post.name,
        section=section.name, weekdays=days, start_on=start_on.isoformat(),
    )  # fmt: skip
    return duty


@transaction.atomic
def checklist_default(*, actor: Any, village: Region) -> list[ChecklistItem]:
    """The default checklist (路面干净、无乱堆乱放、垃圾分类、沟渠通畅, 100 points), once."""
    require(actor, "village.inspect", village)
    items = list(ChecklistItem.objects.filter(village=village))
    if items:
        return items
    items = [
        ChecklistItem.objects.create(village=village, name=n, max_score=m, position=i)
        for i, (n, m) in enumerate(DEFAULT_CHECKLIST)
    ]
    audit(actor, village, "sanitation_checklist_default", items[0], items=len(items))
    return items


@transaction.atomic
def round_create(
    *, actor: Any, village: Region, on: date, inspectors: str, note: str = ""
) -> InspectionRound:
    """督查轮次."""
    require(actor, "village.inspect", village)
    inspectors = _text(inspectors, field="inspectors", label="督查人员", limit=100)
    note = _text(note, field="note", label="备注", limit=200, required=False)
    rnd = InspectionRound.objects.create(
        village=village, county_code=village.code[:6], on=on, inspectors=inspectors, note=note,
        created_by=actor,
    )  # fmt: skip
    audit(actor, village, "sanitation_round_create", rnd, on=on.isoformat())
    return rnd


@transaction.atomic
def score_record(
    *, actor: Any, round: InspectionRound, scores: dict[int, int],
    section: RoadSection | None = None, household: Any = None, note: str = "",
) -> InspectionScore:  # fmt: skip
    """A section's or a yard's score: every active item of the checklist, each 0..max."""
    require(actor, "village.inspect", round.village_id)
    if (section is None) == (household is None):
        raise ApplicationError("target", "请选择一个路段或一户庭院", field="section")
    target = section if section is not None else household
    if target.village_id != round.village_id:
        raise ApplicationError("target_other_village", "督查对象不属于本村", field="section")
    if (
        section is not None
        and RoadSection.objects.select_for_update().get(pk=section.pk).retired_on is not None
    ):
        raise ApplicationError(
            "section_retired", f"路段“{section.name}”已撤销，不能打分", field="section",
            status=409,
        )  # fmt: skip
    items = list(ChecklistItem.objects.filter(village_id=round.village_id, active=True))
    if not items:
        raise ApplicationError("no_checklist", "本村还没有督查项目", status=409)
    given = {int(k): v for k, v in scores.items()}
    unknown = set(given) - {i.pk for i in items}
    if unknown:
        raise ApplicationError("item_unknown", "有不属于本村清单的督查项目", field="scores")
    clean: dict[str, int] = {}
    for item in items:
        if item.pk not in given:
            raise ApplicationError("item_missing", f"请给“{item.name}”打分", field="scores")
        value = given[item.pk]
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not 0 <= value <= item.max_score
        ):
            raise ApplicationError(
                "score_bounds", f"“{item.name}”得分应在0到{item.max_score}之间", field="scores"
            )
        clean[str(item.pk)] = value
    # scores of one round queue on the round row, so two inspectors never score one target twice
    InspectionRound.objects.select_for_update().filter(pk=round.pk).first()
    exists = InspectionScore.objects.filter(round=round)
    exists = (
        exists.filter(section=section)
        if section is not None
        else exists.filter(household=household)
    )
    if exists.exists():
        raise ApplicationError("scored", "本轮已为该对象打过分", field="section", status=409)
    score = InspectionScore.objects.create(
        round=round, village_id=round.village_id, section=section, household=household,
        items=clean, total=sum(clean.values()), max_total=sum(i.max_score for i in items),
        note=_text(note, field="note", label="备注", limit=200, required=False),
        created_by=actor,
    )  # fmt: skip
    audit(actor, round.village_id, "sanitation_score", score, total=score.total)
    return score


@transaction.atomic
def score_post_points(
    *, actor: Any, score: InspectionScore, item: Any, points: int | None = None,
    description: str = "",
) -> Any:  # fmt: skip
    """奖惩: a yard's score becomes a point event proposed through the points module (its own
    rules, caps and review apply); the score records which event came from it."""
    from cunwu.points.services import event_propose

    require(actor, "village.inspect", score.village_id)
    locked = InspectionScore.objects.select_for_update().get(pk=score.pk)
    if locked.household is None:
        raise ApplicationError("not_household", "只有农户庭院的得分可以计积分", field="item")
    if locked.point_event_id is not None:
        raise ApplicationError("already_posted", "该得分已计过积分", status=409)
    event = event_propose(
        actor=actor, household=locked.household, item=item, on=locked.round.on, points=points,
        description=description or f"卫生督查得分{locked.total}/{locked.max_total}",
    )  # fmt: skip
    locked.point_event = event
    locked.save(update_fields=["point_event"])
    audit(actor, locked.village_id, "sanitation_points", locked, event=event.pk)
    return event


@transaction.atomic
def waste_run_record(
    *, actor: Any, village: Region, stage: str, on: date, quantity_kg: int,
    group: VillageGroup | None = None, note: str = "", today: date | None = None,
) -> WasteRun:  # fmt: skip
    """户分类、组收集、村集中 by the village; 乡转运 by the township (village.transfer)."""
    if stage not in WasteStage.values:
        raise ApplicationError("stage_invalid", "环节无效", field="stage")
    perm = "village.transfer" if stage == WasteStage.TOWNSHIP else "village.manage"
    require(actor, perm, village)
    if village.level != RegionLevel.VILLAGE:
        raise ApplicationError("not_village", "请选择一个村", field="village")
    if not isinstance(quantity_kg, int) or not 0 < quantity_kg <= 10_000_000:
        raise ApplicationError("quantity_bounds", "数量应为正整数千克", field="quantity_kg")
    if on > (today or timezone.localdate()):
        raise ApplicationError("date_future", "日期不能晚于今天", field="on")
    if stage == WasteStage.GROUP and group is None:
        raise ApplicationError("group_required", "组收集请选择村民小组", field="group")
    if group is not None and group.village_id != village.code:
        raise ApplicationError("group_other_village", "村民小组不属于本村", field="group")
    run = WasteRun.objects.create(
        village=village, county_code=village.code[:6], stage=stage, on=on,
        quantity_kg=quantity_kg, group=group, created_by=actor,
        note=_text(note, field="note", label="备注", limit=200, required=False),
    )  # fmt: skip
    audit(actor, village, "sanitation_waste_run", run, stage=stage, quantity_kg=quantity_kg)
    return run


@transaction.atomic
def member_add(
    *, actor: Any, village: Region, person: Person, role: str, start_on: date
) -> AssociationMember:
    """卫生协会会员: a registry person of the village; one chair at a time."""
    require(actor, "village.manage", village)
    if role not in MemberRole.values:
        raise ApplicationError("role_invalid", "职务无效", field="role")
    if person.household.village_id != village.code or person.status != PersonStatus.ACTIVE:
        raise ApplicationError("person_not_in_village", "会员须为本村在册人员", field="person")
    current = AssociationMember.objects.select_for_update().filter(
        village=village, end_on__isnull=True
    )
    if current.filter(person=person).exists():
        raise ApplicationError("member_exists", "此人已是协会会员", field="person", status=409)
    if role == MemberRole.CHAIR and current.filter(role=MemberRole.CHAIR).exists():
        raise ApplicationError("chair_exists", "协会已有会长", field="role", status=409)
    member = AssociationMember.objects.create(
        village=village, person=person, role=role, start_on=start_on, created_by=actor
    )
    audit(actor, village, "sanitation_member_add", member, person=person.pk, role=role)
    return member


MAX_PHOTOS = 10


@transaction.atomic
def round_photos_add(
    *, actor: Any, round: InspectionRound, files: list[tuple[str, bytes]]
) -> list[InspectionPhoto]:
    """督查照片: images or PDFs checked by their first bytes and size (the disclosure rules)."""
    require(actor, "village.inspect", round.village_id)
    photos = store_attachments(
        files, partial(InspectionPhoto, round=round, uploaded_by=actor), limit=MAX_PHOTOS,
        default_name="photo", noun="照片", unit="张",
    )  # fmt: skip
    audit(actor, round.village_id, "sanitation_photos", round, count=len(photos))
    return photos


# ---------------------------------------------------------------- editing the roster's places


def _current_duties(today: date | None = None, **target: Any) -> int:
    """Duties on a section or post not ended (an end date in the future still counts)."""
    return Duty.objects.filter(**target).exclude(end_on__lt=today or timezone.localdate()).count()


@transaction.atomic
def section_update(
    *, actor: Any, section: RoadSection, name: str, group: VillageGroup | None = None,
    description: str = "", length_m: int = 0,
) -> RoadSection:  # fmt: skip
    """Rename or redescribe a road section; its duties and scores keep pointing at it."""
    require(actor, "village.manage", section.village_id)
    locked = RoadSection.objects.select_for_update().get(pk=section.pk)
    if locked.retired_on is not None:
        raise ApplicationError("section_retired", "该路段已撤销，不能修改", status=409)
    name = _text(name, field="name", label="路段名称", limit=50)
    description = _text(description, field="description", label="说明", limit=200,
                        required=False)  # fmt: skip
    if group is not None and group.village_id != locked.village_id:
        raise ApplicationError("group_other_village", "村民小组不属于本村", field="group")
    if not isinstance(length_m, int) or not 0 <= length_m <= 100_000:
        raise ApplicationError("length_bounds", "长度应在0到100000米之间", field="length_m")
    taken = RoadSection.objects.filter(village_id=locked.village_id, name=name)
    _name_free(taken.exclude(pk=locked.pk), name, noun="路段", kind="section")
    before = locked.name
    locked.name, locked.group, locked.description, locked.length_m = (
        name, group, description, length_m,
    )  # fmt: skip
    locked.save(update_fields=["name", "group", "description", "length_m"])
    audit(actor, locked.village_id, "sanitation_section_update", locked, before=before,
           name=name, length_m=length_m)  # fmt: skip
    return locked


def _retire(actor: Any, model: Any, obj: Any, *, noun: str, kind: str, today: date | None) -> Any:
    """撤销: ``retired_on`` set to today; refused while duties are current or when retired."""
    require(actor, "village.manage", obj.village_id)
    locked = model.objects.select_for_update().get(pk=obj.pk)
    if locked.retired_on is not None:
        raise ApplicationError(f"{kind}_retired", f"该{noun}已撤销", status=409)
    today = today or timezone.localdate()
    current = _current_duties(today, **{kind: locked})
    if current:
        raise ApplicationError(
            f"{kind}_on_duty", f"该{noun}有{current}项在岗值守，不能撤销", status=409
        )
    locked.retired_on = today
    locked.save(update_fields=["retired_on"])
    audit(actor, locked.village_id, f"sanitation_{kind}_retire", locked, name=locked.name,
           retired_on=locked.retired_on.isoformat())  # fmt: skip
    return locked


def _restore(actor: Any, model: Any, obj: Any, *, noun: str, kind: str) -> Any:
    """重新启用: ``retired_on`` cleared; 409 when not retired."""
    require(actor, "village.manage", obj.village_id)
    locked = model.objects.select_for_update().get(pk=obj.pk)
    if locked.retired_on is None:
        raise ApplicationError(f"{kind}_not_retired", f"该{noun}未撤销", status=409)
    before = locked.retired_on
    locked.retired_on = None
    locked.save(update_fields=["retired_on"])
    audit(actor, locked.village_id, f"sanitation_{kind}_restore", locked, name=locked.name,
           retired_on=before.isoformat())  # fmt: skip
    return locked


@transaction.atomic
def section_retire(*, actor: Any, section: RoadSection, today: date | None = None) -> RoadSection:
    """撤销路段: kept with its duties and scores (``retired_on`` today), no longer chosen for a
    duty or a score; refused while it has current duties (end or replace them first)."""
    retired: RoadSection = _retire(actor, RoadSection, section, noun="路段", kind="section",
                                   today=today)  # fmt: skip
    return retired


@transaction.atomic
def section_restore(*, actor: Any, section: RoadSection) -> RoadSection:
    """重新启用路段."""
    restored: RoadSection = _restore(actor, RoadSection, section, noun="路段", kind="section")
    return restored


@transaction.atomic
def post_update(*, actor: Any, post: DutyPost, name: str) -> DutyPost:
    """Rename a post; its duties keep pointing at it."""
    require(actor, "village.manage", post.village_id)
    locked = DutyPost.objects.select_for_update().get(pk=post.pk)
    if locked.retired_on is not None:
        raise ApplicationError("post_retired", "该岗位已撤销，不能修改", status=409)
    name = _text(name, field="name", label="岗位名称", limit=30)
    taken = DutyPost.objects.filter(village_id=locked.village_id, name=name)
    _name_free(taken.exclude(pk=locked.pk), name, noun="岗位", kind="post")
    before = locked.name
    locked.name = name
    locked.save(update_fields=["name"])
    audit(actor, locked.village_id, "sanitation_post_update", locked, before=before, name=name)
    return locked


@transaction.atomic
def post_retire(*, actor: Any, post: DutyPost, today: date | None = None) -> DutyPost:
    """撤销岗位: like a section, kept with its duties, refused while duties are current."""
    retired: DutyPost = _retire(actor, DutyPost, post, noun="岗位", kind="post", today=today)
    return retired


@transaction.atomic
def post_restore(*, actor: Any, post: DutyPost) -> DutyPost:
    """重新启用岗位."""
    restored: DutyPost = _restore(actor, DutyPost, post, noun="岗位", kind="post")
    return restored


# ---------------------------------------------------------------- editing the checklist


def _max_score(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100:
        raise ApplicationError("max_score_bounds", "满分应为1到100的整数", field="max_score")
    return value


@transaction.atomic
def checklist_item_add(*, actor: Any, village: Region, name: str, max_score: int) -> ChecklistItem:
    """A new item at the end of the village's checklist; rounds scored later include it."""
    require(actor, "village.manage", village)
    name = _text(name, field="name", label="检查项目", limit=30)
    max_score = _max_score(max_score)
    # additions to a village's checklist queue on the village row: two get two positions and
    # the same name twice is a 409, never an integrity error
    Region.objects.select_for_update().filter(code=village.code).first()
    existing = list(ChecklistItem.objects.filter(village=village))
    same = next((i for i in existing if i.name == name), None)
    if same is not None:
        hint = "（已停用，可重新启用）" if not same.active else ""
        raise ApplicationError(
            "item_exists", f"本村已有督查项目“{name}”{hint}", field="name", status=409
        )
    item = ChecklistItem.objects.create(
        village=village, name=name, max_score=max_score,
        position=max((i.position for i in existing), default=-1) + 1,
    )  # fmt: skip
    audit(actor, village, "sanitation_item_add", item, name=name, max_score=max_score)
    return item


@transaction.atomic
def checklist_item_update(
    *, actor: Any, item: ChecklistItem, name: str, max_score: int
) -> ChecklistItem:
    """Rename an item or change its maximum: scores already recorded keep their values and
    their maximum (each score stores its own figures); later scores use the new maximum."""
    require(actor, "village.manage", item.village_id)
    Region.objects.select_for_update().filter(code=item.village_id).first()
    locked = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    if not locked.active:
        raise ApplicationError("item_retired", "该督查项目已停用，不能修改", status=409)
    name = _text(name, field="name", label="检查项目", limit=30)
    max_score = _max_score(max_score)
    taken = ChecklistItem.objects.filter(village_id=locked.village_id, name=name)
    if taken.exclude(pk=locked.pk).exists():
        raise ApplicationError("item_exists", f"本村已有督查项目“{name}”", field="name", status=409)
    before = {"name": locked.name, "max_score": locked.max_score}
    locked.name, locked.max_score = name, max_score
    locked.save(update_fields=["name", "max_score"])
    audit(actor, locked.village_id, "sanitation_item_update", locked, before=before,
           name=name, max_score=max_score)  # fmt: skip
    return locked


@transaction.atomic
def checklist_item_set_active(*, actor: Any, item: ChecklistItem, active: bool) -> ChecklistItem:
    """停用 (``active`` False) or 重新启用 an item: a retired item is no longer scored; scores
    recorded with it keep it. The last active item of a village cannot be retired."""
    require(actor, "village.manage", item.village_id)
    # every item of the village is locked: two retirements never leave the checklist empty
    items = list(
        ChecklistItem.objects.select_for_update().filter(village_id=item.village_id).order_by("pk")
    )
    locked = next(i for i in items if i.pk == item.pk)
    if locked.active == active:
        message = "该督查项目已启用" if active else "该督查项目已停用"
        raise ApplicationError("item_state", message, status=409)
    if not active and sum(1 for i in items if i.active) <= 1:
        raise ApplicationError("item_last", "至少保留一个启用的督查项目", status=409)
    locked.active = active
    locked.save(update_fields=["active"])
    action = "sanitation_item_restore" if active else "sanitation_item_retire"
    audit(actor, locked.village_id, action, locked, name=locked.name)
    return locked
