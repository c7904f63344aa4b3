"""Demo data of 技能培训 for 九龙村 (idempotent: a second call creates nothing)."""

from __future__ import annotations

from datetime import date
from typing import Any

from cunwu.core.models import Region
from cunwu.registry.models import Person
from cunwu.village.models import TrainingSession
from cunwu.village.services import training


def demo_village_training(*, cadre: Any, work_team: Any, township: Any, admin: Any,
                          village: Region) -> int:  # fmt: skip
    """One township skills session with two attendees of the village; returns sessions made."""
    made = 0
    people = list(Person.objects.filter(household__village=village).order_by("pk")[:2])
    township_region = Region.objects.filter(code=village.code[:9] + "000").first()
    title = "电工技能培训班"
    if township_region is not None and not TrainingSession.objects.filter(title=title).exists():
        session = training.training_session_create(
            actor=township, region=township_region, kind="skill", title=title,
            start_on=date(2026, 11, 10), end_on=date(2026, 11, 12), place="镇文化站",
            organiser="镇人力资源和社会保障服务站", hours=24,
        )  # fmt: skip
        made += 1
        for person in people:
            attendee = training.training_attendee_add(
                actor=township, session=session, person=person
            )
            training.training_attendance_mark(actor=township, attendee=attendee, attended=True)
    return made
