"""Demo data of 公益性岗位 in 九龙村 (idempotent: a second call creates nothing)."""

from __future__ import annotations

from datetime import date
from typing import Any

from cunwu.core.models import Region
from cunwu.registry.models import Person
from cunwu.village.models import JobHolder, JobPost
from cunwu.village.services import jobs

POSTS = [
    ("保洁员", "村道及公共场所保洁", 100000, "衔接推进乡村振兴补助资金", 3),
    ("护林员", "山林巡护、防火宣传", 80000, "生态护林员补助", 2),
    ("水管员", "饮水工程日常管护", 60000, "村集体经济收入", 1),
]


def demo_village_jobs(*, cadre: Any, work_team: Any, township: Any, admin: Any,
                      village: Region) -> int:  # fmt: skip
    """Three posts (one holder each from the registry where there are people), their November
    attendance; returns how many posts it made."""
    made = 0
    people = list(Person.objects.filter(household__village=village).order_by("pk")[:3])
    for i, (name, duties, pay, funding, positions) in enumerate(POSTS):
        if JobPost.objects.filter(village=village, name=name).exists():
            continue
        post = jobs.job_post_create(actor=cadre, village=village, name=name, duties=duties,
                                    pay_fen=pay, funding=funding, positions=positions)  # fmt: skip
        made += 1
        if i < len(people) and not JobHolder.objects.filter(person=people[i], end_on=None).exists():
            holder = jobs.job_holder_start(actor=cadre, post=post, person=people[i],
                                           start_on=date(2026, 11, 1))  # fmt: skip
            jobs.job_attendance_record(actor=cadre, holder=holder, month=date(2026, 11, 1),
                                       days_worked=20 - i)  # fmt: skip
    return made
