"""The honours workflow: nominate, appraise with votes, publish, award or return."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent, Region
from cunwu.disclosure.models import Notice
from cunwu.disclosure.services import notices_close_due, objection_handle, objection_submit
from cunwu.registry.models import Household
from cunwu.village.models import Award, Nomination, Selection, SelectionStage
from cunwu.village.services import honours as svc

from .fixtures_honours import *  # noqa: F403

pytestmark = pytest.mark.django_db


def close() -> None:
    notices_close_due(today=timezone.localdate() + timedelta(days=30))


def make(cadre: User, jiulong: Region, quota: int = 2) -> Selection:
    return svc.selection_create(actor=cadre, village=jiulong, year=2026, kind="civilised",
                                quota=quota)  # fmt: skip


def to_candidates(cadre: User, s: Selection, three: list[Household], votes: list[int]) -> Selection:
    for h in three:
        svc.nomination_add(actor=cadre, selection=s, household=h, source="group", reason="孝老爱亲")
    s = svc.appraisal_start(actor=cadre, selection=s)
    noms = list(s.nominations.order_by("pk"))
    return svc.appraisal_record(
        actor=cadre, selection=s, members_total=11, members_present=9,
        on=timezone.localdate(), votes={n.pk: v for n, v in zip(noms, votes, strict=True)},
    )  # fmt: skip


def test_full_flow_awards_candidates(cadre: User, jiulong: Region, three: list[Household]) -> None:
    s = make(cadre, jiulong)
    s = to_candidates(cadre, s, three, [8, 4, 6])
    cands = list(s.nominations.filter(candidate=True).order_by("-votes"))
    assert [n.household.number for n in cands] == ["0001", "0003"]
    s = svc.selection_publish(actor=cadre, selection=s)
    assert s.stage == SelectionStage.DISCLOSING
    notice = Notice.objects.get(pk=s.notice_id)
    assert notice.subject_type == "village.selection"
    close()
    s.refresh_from_db()
    assert s.stage == SelectionStage.AWARDED
    awards = list(Award.objects.filter(selection=s).order_by("number"))
    assert [a.number for a in awards] == [
        "430423100224-2026-CIVI-001",
        "430423100224-2026-CIVI-002",
    ]
    assert [a.household.number for a in awards] == ["0001", "0003"]
    assert AuditEvent.objects.filter(action="village.selection_awarded").count() == 1


def test_objection_upheld_returns_to_appraising(
    cadre: User, jiulong: Region, three: list[Household], persona: Callable[[str], User]
) -> None:
    s = svc.selection_publish(actor=cadre, selection=to_candidates(cadre, make(cadre, jiulong),
                                                                     three, [8, 4, 6]))  # fmt: skip
    notice = Notice.objects.get(pk=s.notice_id)
    objection = objection_submit(notice=notice, phone="13800138000", text="0001户有违建")
    objection_handle(actor=persona("九龙村监委会委员"), objection=objection, upheld=True,
                     outcome="属实，重新评议")  # fmt: skip
    close()
    s.refresh_from_db()
    assert s.stage == SelectionStage.APPRAISING and s.notice_id is None
    assert Award.objects.count() == 0


def test_one_nomination_per_household(cadre: User, jiulong: Region, three: list[Household]) -> None:
    s = make(cadre, jiulong)
    svc.nomination_add(actor=cadre, selection=s, household=three[0], source="group", reason="好")
    with pytest.raises(ApplicationError) as exc:
        svc.nomination_add(actor=cadre, selection=s, household=three[0], source="group",
                           reason="好")  # fmt: skip
    assert exc.value.message == "0001户已被提名，每户只能提名一次"
    assert Nomination.objects.count() == 1


def test_ranking_nominates_top_n(cadre: User, jiulong: Region, three: list[Household]) -> None:
    s = make(cadre, jiulong)
    made = svc.nominate_from_ranking(actor=cadre, selection=s, top=2)
    assert len(made) == 2 and all(n.source == "ranking" for n in made)
    more = svc.nominate_from_ranking(actor=cadre, selection=s, top=5)
    assert len(more) == 1 and Nomination.objects.count() == 3


def test_duplicate_selection_and_bad_quota(cadre: User, jiulong: Region) -> None:
    make(cadre, jiulong)
    with pytest.raises(ApplicationError) as exc:
        make(cadre, jiulong)
    assert exc.value.message == "2026年度文明户评选已经存在"
    with pytest.raises(ApplicationError) as exc:
        svc.selection_create(actor=cadre, village=jiulong, year=2026, kind="family", quota=0)
    assert exc.value.field == "quota"
    assert Selection.objects.count() == 1


def test_votes_rejected_change_nothing(
    cadre: User, jiulong: Region, three: list[Household]
) -> None:
    s = make(cadre, jiulong)
    for h in three:
        svc.nomination_add(actor=cadre, selection=s, household=h, source="group", reason="好")
    s = svc.appraisal_start(actor=cadre, selection=s)
    noms = list(s.nominations.order_by("pk"))
    with pytest.raises(ApplicationError) as exc:
        svc.appraisal_record(actor=cadre, selection=s, members_total=11, members_present=5,
                             on=timezone.localdate(), votes={n.pk: 5 for n in noms})  # fmt: skip
    assert exc.value.message == "实到5人，未超过应到11人的半数，评议无效"
    with pytest.raises(ApplicationError) as exc:
        svc.appraisal_record(actor=cadre, selection=s, members_total=11, members_present=9,
                             on=timezone.localdate(), votes={n.pk: 10 for n in noms})  # fmt: skip
    assert exc.value.code == "appraisal_vote_range"
    s.refresh_from_db()
    assert s.appraisal_rounds == 0
    assert not Nomination.objects.filter(votes__isnull=False).exists()


def test_permissions(
    cadre: User, jiulong: Region, three: list[Household], persona: Callable[[str], User]
) -> None:
    with pytest.raises(PermissionDenied):
        svc.selection_create(actor=persona("另一村的村干部"), village=jiulong, year=2026,
                             kind="star", quota=3)  # fmt: skip
    s = make(cadre, jiulong)
    villager = persona("九龙村村民")
    with pytest.raises(PermissionDenied):
        svc.nomination_add(actor=villager, selection=s, household=three[0], source="group",
                           reason="好")  # fmt: skip
    with pytest.raises(ApplicationError) as exc:
        svc.nomination_add(actor=villager, selection=s, household=three[0], source="self",
                           reason="好")  # fmt: skip
    assert exc.value.code == "nomination_self"


@given(
    votes=st.lists(st.integers(min_value=0, max_value=20), min_size=0, max_size=12),
    present=st.integers(min_value=1, max_value=20),
    quota=st.integers(min_value=1, max_value=6),
)
def test_winners_property(votes: list[int], present: int, quota: int) -> None:
    ballots = dict(enumerate(votes))
    chosen = svc.winners(ballots, present, quota)
    assert len(chosen) <= quota
    assert all(ballots[k] * 2 > present for k in chosen)
    assert len(set(chosen)) == len(chosen)
    losers = [v for k, v in ballots.items() if k not in chosen]
    # no one left out has more votes than someone chosen
    assert all(v <= min(ballots[k] for k in chosen) for v in losers) if chosen else True


def test_demo_is_idempotent(
    persona: Callable[[str], User], jiulong: Region, three: list[Household]
) -> None:
    from cunwu.web.demo_village_honours import demo_village_honours

    kw = {"cadre": persona("九龙村村干部"), "work_team": persona("九龙村工作队员"),
          "township": persona("开云镇干部"), "admin": persona("衡山县管理员"),
          "village": jiulong}  # fmt: skip
    assert demo_village_honours(**kw) == 2  # type: ignore[arg-type]
    assert demo_village_honours(**kw) == 0  # type: ignore[arg-type]
    stages = sorted(Selection.objects.values_list("stage", flat=True))
    assert stages == ["disclosing", "nominating"]
