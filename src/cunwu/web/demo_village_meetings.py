"""Demo data of 屋场恳谈会 in 九龙村 (idempotent: a second call creates nothing): one meeting
of the first group with its attendance and two opinions, its results disclosed, and a second
meeting still being recorded."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from cunwu.core.models import Region, VillageGroup
from cunwu.registry.models import HouseholdStatus, Person, PersonStatus
from cunwu.village.models import Meeting
from cunwu.village.services import meetings

MINUTES = """一、村委会通报了今年村道硬化的资金和进度。
二、与会村民同意先修第一组到村部的路段，投工投劳由各户协商。
三、村民提出的路灯和排水问题，明确责任人和办理期限，办理结果在村务公开栏公布。"""


def demo_village_meetings(*, cadre: Any, work_team: Any, township: Any, admin: Any,
                          village: Region) -> int:  # fmt: skip
    """How many meetings it made (0 on a second call)."""
    group = VillageGroup.objects.filter(village=village).order_by("number").first()
    if group is None or Meeting.objects.filter(village=village).exists():
        return 0
    today = timezone.localdate()
    held_on = today - timedelta(days=20)
    first = meetings.meeting_create(
        actor=cadre, group=group, held_on=held_on, place=f"{group.name}张家院子",
        topic="村道硬化和投工投劳", guests="镇包村干部、驻村工作队", minutes=MINUTES,
    )  # fmt: skip
    people = list(
        Person.objects.filter(household__village=village, status=PersonStatus.ACTIVE,
                              household__status=HouseholdStatus.ACTIVE)
        .order_by("household__number", "pk").values_list("pk", flat=True)[:12]
    )  # fmt: skip
    if people:
        meetings.meeting_attendance_set(
            actor=cadre, meeting=first, expected=people, present=people[: max(1, len(people) - 2)]
        )
    for text, raised_by, days in (
        ("三组路口要装路灯", "张三", 30),
        ("村部旁排水沟要清淤", "李四", 15),
    ):
        meetings.opinion_add(actor=cadre, meeting=first, text=text, raised_by=raised_by,
                             owner=cadre, deadline=held_on + timedelta(days=days))  # fmt: skip
    if people:
        meetings.meeting_publish(actor=cadre, meeting=first)
    meetings.meeting_create(
        actor=work_team, group=group, held_on=today - timedelta(days=2), place="村部会议室",
        topic="冬季森林防火",
    )  # fmt: skip
    return 2
