"""Demo data of the honours part: 九龙村's 文明户 selection of this year, nominated from the
points ranking, appraised and on 公示, and a 最美家庭 selection still open for nominations."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.village.models import Selection
from cunwu.village.services import honours as svc


def demo_village_honours(
    *, cadre: User, work_team: User, township: User, admin: User, village: Region
) -> int:
    """Returns how many selections it created (0 on a second call)."""
    if Selection.objects.filter(village=village).exists():
        return 0
    year = timezone.localdate().year
    made = 0
    s = svc.selection_create(actor=cadre, village=village, year=year, kind="civilised", quota=3)
    made += 1
    try:
        nominations = svc.nominate_from_ranking(actor=cadre, selection=s, top=5)
    except ApplicationError:  # a village without households yet
        nominations = []
    if nominations:
        s = svc.appraisal_start(actor=cadre, selection=s)
        present = 9
        votes: dict[int, Any] = {n.pk: max(present - 1 - i, 0) for i, n in enumerate(nominations)}
        s = svc.appraisal_record(actor=cadre, selection=s, members_total=11,
                                 members_present=present, on=timezone.localdate(),
                                 votes=votes)  # fmt: skip
        svc.selection_publish(actor=cadre, selection=s)
    svc.selection_create(actor=work_team, village=village, year=year, kind="family", quota=2)
    return made + 1
