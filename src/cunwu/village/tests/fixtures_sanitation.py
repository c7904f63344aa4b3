"""Shared data of the sanitation tests: a section, a post and a duty in 九龙村; a round with a
yard scored; photo bytes."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from cunwu.core.models import Region, VillageGroup
from cunwu.registry.models import Household
from cunwu.village.models_sanitation import (
    ChecklistItem,
    Duty,
    DutyPost,
    InspectionRound,
    InspectionScore,
    RoadSection,
)
from cunwu.village.services import sanitation as services

START = date(2026, 11, 2)


def roster(staff: Any, village: Region, household: Household) -> tuple[RoadSection, DutyPost, Duty]:
    group = VillageGroup.objects.create(village=village, name="一组", number=1)
    section = services.section_add(
        actor=staff, village=village, name="村部至学校", group=group, length_m=800
    )
    post = services.post_add(actor=staff, village=village, name="保洁员")
    person = household.members.order_by("pk").first()
    assert person is not None
    duty = services.duty_assign(
        actor=staff, village=village, person=person, post=post, section=section,
        weekdays="1,3,5", start_time=time(7), end_time=time(9), tasks="清扫路面、清理边沟",
        start_on=START,
    )  # fmt: skip
    return section, post, duty


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def yard_round(
    staff: Any, village: Region, household: Household, *, less: int = 5
) -> tuple[InspectionRound, list[ChecklistItem], InspectionScore]:
    """The default checklist, a round on :data:`START` and the yard of ``household`` scored
    ``less`` below the maximum on every item (80/100 with the default ``less``)."""
    items = services.checklist_default(actor=staff, village=village)
    rnd = services.round_create(actor=staff, village=village, on=START, inspectors="王五")
    score = services.score_record(
        actor=staff, round=rnd, household=household,
        scores={i.pk: i.max_score - less for i in items},
    )  # fmt: skip
    return rnd, items, score
