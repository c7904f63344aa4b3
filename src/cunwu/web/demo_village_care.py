"""Demo data of the care part: 九龙村's persons under care (children whose parents work away,
elders, disabled persons found by the suggestion list) with a visit for some of them."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.village.models import CareRecord
from cunwu.village.selectors import care as selectors
from cunwu.village.services import care as svc


def demo_village_care(
    *, cadre: User, work_team: User, township: User, admin: User, village: Region
) -> int:
    """Returns how many care records it created (0 on a second call)."""
    if CareRecord.objects.filter(village=village).exists():
        return 0
    today = timezone.localdate()
    made = 0
    rows = selectors.suggestions(actor=cadre, on=today, village=village.code)[:6]
    for i, (person, group, why) in enumerate(rows):
        since = max(today - timedelta(days=45 + 10 * i), timezone.localdate(person.created_at))
        if i % 2:
            record = svc.care_add(actor=cadre, person=person, group=group, since=since,
                                  note=why[:300], carer_user=work_team)  # fmt: skip
        else:
            record = svc.care_add(actor=cadre, person=person, group=group, since=since,
                                  note=why[:300], carer_name="刘春花",
                                  carer_phone="13907340001")  # fmt: skip
        made += 1
        if i % 3 == 0:
            svc.visit_add(actor=work_team, record=record, visited_on=today,
                          needs="学习和生活用品", help_given="送去书包和文具")  # fmt: skip
    return made
