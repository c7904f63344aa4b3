"""Demo data of the sanitation part: 九龙村's roads, posts and duty roster, the default
checklist with one inspection round, and a month of the waste chain."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from cunwu.core.models import Region, VillageGroup
from cunwu.registry.models import Person, PersonStatus
from cunwu.village.models_sanitation import RoadSection
from cunwu.village.services import sanitation as services


@transaction.atomic
def demo_village_sanitation(
    *, cadre: Any, work_team: Any, township: Any, admin: Any, village: Region
) -> int:
    """How many main records it made (0 on a second call)."""
    if RoadSection.objects.filter(village=village).exists():
        return 0
    people = list(
        Person.objects.filter(household__village=village, status=PersonStatus.ACTIVE)
        .select_related("household")
        .order_by("pk")[:3]
    )
    group = VillageGroup.objects.filter(village=village).order_by("number").first()
    today = timezone.localdate()
    made = 0
    sections = [
        services.section_add(actor=cadre, village=village, name=name, group=group, length_m=m)
        for name, m in (("村部至学校", 800), ("主干道东段", 1200), ("河堤路", 600))
    ]
    post = services.post_add(actor=cadre, village=village, name="保洁员")
    services.post_add(actor=cadre, village=village, name="卫生监督员")
    made += len(sections) + 2
    for person, section in zip(people, sections, strict=False):
        services.duty_assign(
            actor=cadre, village=village, person=person, post=post, section=section,
            weekdays="135", start_time=time(7), end_time=time(9), tasks="清扫路面、清理边沟",
            start_on=today - timedelta(days=60),
        )  # fmt: skip
        made += 1
    items = services.checklist_default(actor=cadre, village=village)
    rnd = services.round_create(
        actor=cadre, village=village, on=today - timedelta(days=20), inspectors="村两委、卫生协会"
    )
    made += 1
    for n, section in enumerate(sections):
        services.score_record(
            actor=cadre, round=rnd, section=section,
            scores={i.pk: i.max_score - n * 3 if i.max_score > n * 3 else 0 for i in items},
        )  # fmt: skip
        made += 1
    for days in (25, 18, 11, 4):
        on = today - timedelta(days=days)
        services.waste_run_record(actor=cadre, village=village, stage="village", on=on,
                                  quantity_kg=900 + days * 10)  # fmt: skip
        services.waste_run_record(actor=township, village=village, stage="township", on=on,
                                  quantity_kg=880 + days * 10)  # fmt: skip
        made += 2
    return made
