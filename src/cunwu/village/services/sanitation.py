"""Writes of the sanitation part: the duty roster (路段、岗位、值守 — a change ends the old duty
and starts a new one), the inspection checklist, rounds and scores, and the waste chain runs."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from cunwu.accounts.permissions import require
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region, RegionLevel, VillageGroup
from cunwu.core.services.audit import audit_append
from cunwu.disclosure.content import check_attachment
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

DEFAULT_CHECKLIST = [("路面干净", 30), ("无乱堆乱放", 25), ("垃圾分类", 25), ("沟渠通畅", 20)]


def _audit(actor: Any, village: Region | str, action: str, obj: Any, **payload: Any) -> None:
    region = village if isinstance(village, Region) else Region.objects.get(code=village)
    audit_append(actor=actor, region=region, action=f"village.{action}", obj=obj, payload=payload)


def _text(value: str, *, field: str, label: str, limit: int, required: bool = True) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise ApplicationError(f"{field}_required", f"请填写{label}", field=field)
    if len(text) > limit:
        raise ApplicationError(f"{field}_long", f"{label}至多{limit}字", field=field)
    return text


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
    if RoadSection.objects.filter(village=village, name=name).exists():
        raise ApplicationError("section_exists", f"本村已有路段“{name}”", field="name", status=409)
    section = RoadSection.objects.create(
        village=village, group=group, name=name, length_m=length_m,
        description=_text(description, field="description", label="说明", limit=200,
                          required=False),
    )  # fmt: skip
    _audit(actor, village, "sanitation_section_add", section, name=name, length_m=length_m)
    return section


@transaction.atomic
def post_add(*, actor: Any, village: Region, name: str) -> DutyPost:
    """定岗."""
    require(actor, "village.manage", village)
    name = _text(name, field="name", label="岗位名称", limit=30)
    if DutyPost.objects.filter(village=village, name=name).exists():
        raise ApplicationError("post_exists", f"本村已有岗位“{name}”", field="name", status=409)
    post = DutyPost.objects.create(village=village, name=name)
    _audit(actor, village, "sanitation_post_add", post, name=name)
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
        _audit(actor, village, "sanitation_duty_end", old, end_on=old.end_on.isoformat())
    duty = Duty.objects.create(
        village=village, county_code=village.code[:6], person=person, post=post,
        section=section, weekdays=days, start_time=start_time, end_time=end_time, tasks=tasks,
        welfare=is_welfare_person(person), start_on=start_on, created_by=actor,
    )  # fmt: skip
    _audit(
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
    _audit(actor, village, "sanitation_checklist_default", items[0], items=len(items))
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
    _audit(actor, village, "sanitation_round_create", rnd, on=on.isoformat())
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
    _audit(actor, round.village_id, "sanitation_score", score, total=score.total)
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
    _audit(actor, locked.village_id, "sanitation_points", locked, event=event.pk)
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
    _audit(actor, village, "sanitation_waste_run", run, stage=stage, quantity_kg=quantity_kg)
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
    _audit(actor, village, "sanitation_member_add", member, person=person.pk, role=role)
    return member


MAX_PHOTOS = 10


@transaction.atomic
def round_photos_add(
    *, actor: Any, round: InspectionRound, files: list[tuple[str, bytes]]
) -> list[InspectionPhoto]:
    """督查照片: images or PDFs checked by their first bytes and size (the disclosure rules)."""
    require(actor, "village.inspect", round.village_id)
    if not files:
        raise ApplicationError("files_required", "请选择照片", field="files")
    if len(files) > MAX_PHOTOS:
        raise ApplicationError("files_too_many", f"每次至多上传{MAX_PHOTOS}张", field="files")
    checked = []
    for name, data in files:
        try:
            content_type, extension, sha = check_attachment(name[:200] or "photo", data)
        except ApplicationError as exc:
            raise ApplicationError(exc.code, exc.message, field="files") from exc
        checked.append((name[:200] or "photo", data, content_type, extension, sha))
    photos = []
    for name, data, content_type, extension, sha in checked:
        photo = InspectionPhoto(
            round=round, original_name=name, content_type=content_type, size=len(data),
            sha256=sha, uploaded_by=actor,
        )  # fmt: skip
        photo.file.save(f"{sha[:16]}.{extension}", ContentFile(data), save=False)
        photo.save()
        photos.append(photo)
    _audit(actor, round.village_id, "sanitation_photos", round, count=len(photos))
    return photos
