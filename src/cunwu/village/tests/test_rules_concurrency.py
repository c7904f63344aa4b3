"""Races of 村规民约 on PostgreSQL: two cadres adopting the same draft at once adopt it once
(one notice, the loser a clear 409); two ticks of one household make one row."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.disclosure.models import Notice
from cunwu.testing import make_household, make_id_number, make_user, race
from cunwu.village.models import Acknowledgement, RuleKind, RuleVersion, RuleVersionStatus
from cunwu.village.services import rules as services

from .fixtures_rules import MEETING_ON, adopt

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"
)


def _draft(cadre: User, jiulong: Region) -> RuleVersion:
    rule = services.rule_create(actor=cadre, village=jiulong, kind=RuleKind.VILLAGE)
    return services.rule_version_create(actor=cadre, rule=rule, clauses=["爱护环境", "丧事简办"])


@pytest.mark.django_db(transaction=True)
def test_two_adoptions_of_the_same_draft_land_once(
    persona: Callable[[str], User], jiulong: Region
) -> None:
    cadres = [persona("九龙村村干部"), make_user("九龙村村干部二", "village_staff", jiulong.code)]
    draft = _draft(cadres[0], jiulong)

    def work(i: int) -> None:
        adopt(cadres[i], RuleVersion.objects.get(pk=draft.pk), votes_for=50 + i)

    errors = race(2, work)
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError), errors
    assert (errors[0].code, errors[0].status) == ("rule_version_not_draft", 409)
    version = RuleVersion.objects.get(pk=draft.pk)
    assert version.status == RuleVersionStatus.ADOPTED and version.meeting_on == MEETING_ON
    assert RuleVersion.objects.filter(status=RuleVersionStatus.ADOPTED).count() == 1
    assert Notice.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_ticks_of_one_household_make_one_row(
    persona: Callable[[str], User], jiulong: Region
) -> None:
    cadre, team = persona("九龙村村干部"), persona("九龙村工作队员")
    version = adopt(cadre, _draft(cadre, jiulong))
    household = make_household(cadre, jiulong, "0301", "郑七",
                               head_id=make_id_number(301, birth="19610101"))  # fmt: skip
    actors = [cadre, team]

    def work(i: int) -> None:
        services.acknowledgements_paper(actor=actors[i], version=version, households=[household])

    errors = race(2, work)
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError), errors
    assert (errors[0].code, errors[0].status) == ("rule_ack_duplicate", 409)
    assert Acknowledgement.objects.filter(version=version, household=household).count() == 1
