"""Writes of the honours part: selections of 文明户, 最美家庭 and 星级户 from nomination through
appraisal (votes) and disclosure (公示) to the award."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from cunwu.accounts.permissions import has_perm_in, require
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import clean_text
from cunwu.core.models import Region
from cunwu.disclosure.models import Category
from cunwu.disclosure.services import Period, Subject, notice_publish
from cunwu.points.selectors import rankings
from cunwu.registry.models import Household, HouseholdStatus

from ..models_honours import (
    Award,
    Nomination,
    NominationSource,
    Selection,
    SelectionKind,
    SelectionStage,
)
from .common import audit

MANAGE = "village.manage"
SELF = "village.acknowledge"
DISCLOSURE_DAYS = 7
SUBJECT = "village.selection"


def _locked(selection: Selection, *stages: str) -> Selection:
    locked = Selection.objects.select_for_update().get(pk=selection.pk)
    if stages and locked.stage not in stages:
        names = "、".join(str(SelectionStage(s).label) for s in stages)
        raise ApplicationError(
            "selection_stage",
            f"评选当前为“{locked.get_stage_display()}”，只能在{names}阶段进行此操作",
            status=409,
        )
    return locked


@transaction.atomic
def selection_create(*, actor: Any, village: Region, year: int, kind: str, quota: int) -> Selection:
    require(actor, MANAGE, village)
    if kind not in SelectionKind.values:
        raise ApplicationError("selection_kind", "请选择评选类别", field="kind")
    today = timezone.localdate()
    if not (2000 <= year <= today.year + 1):
        raise ApplicationError(
            "selection_year", f"年度应在2000至{today.year + 1}之间", field="year"
        )
    if not (1 <= quota <= 500):
        raise ApplicationError("selection_quota", "名额应在1至500之间", field="quota")
    if (
        Selection.objects.select_for_update()
        .filter(village=village, year=year, kind=kind)
        .exclude(stage=SelectionStage.CANCELLED)
        .exists()
    ):
        raise ApplicationError(
            "selection_exists",
            f"{year}年度{SelectionKind(kind).label}评选已经存在",
            field="year",
        )
    selection = Selection.objects.create(
        village=village, year=year, kind=kind, quota=quota, created_by=actor
    )
    audit(actor, village, "selection_create", selection, year=year, kind=kind, quota=quota)
    return selection


def _nominate(
    selection: Selection, household: Household, *, source: str, reason: str, actor: Any,
    points: int | None = None,
) -> Nomination:  # fmt: skip
    if household.village_id != selection.village_id:
        raise ApplicationError("nomination_village", "只能提名本村的户", field="household")
    if household.status != HouseholdStatus.ACTIVE:
        raise ApplicationError("nomination_inactive", "该户已不在册，不能提名", field="household")
    if Nomination.objects.filter(selection=selection, household=household).exists():
        raise ApplicationError(
            "nomination_exists", f"{household.number}户已被提名，每户只能提名一次",
            field="household",
        )  # fmt: skip
    return Nomination.objects.create(
        selection=selection, household=household, source=source, reason=reason,
        points=points, nominated_by=actor,
    )  # fmt: skip


@transaction.atomic
def nomination_add(
    *, actor: Any, selection: Selection, household: Household, source: str, reason: str
) -> Nomination:
    """A group's recommendation (cadre), or a villager's self-nomination of the own household."""
    if source == NominationSource.SELF:
        require(actor, SELF, selection.village_id)
        person = getattr(actor, "person", None)
        if person is None or person.household_id != household.pk:
            raise ApplicationError("nomination_self", "自荐只能推荐本人所在的户", field="household")
    elif source == NominationSource.GROUP:
        require(actor, MANAGE, selection.village_id)
    else:
        raise ApplicationError("nomination_source", "请选择提名方式", field="source")
    selection = _locked(selection, SelectionStage.NOMINATING)
    reason = clean_text(reason, field="reason", label="提名理由", limit=300)
    nomination = _nominate(selection, household, source=source, reason=reason, actor=actor)
    audit(actor, selection.village_id, "nomination_add", nomination, selection=selection.pk,
          household=household.number, source=source)  # fmt: skip
    return nomination


@transaction.atomic
def nominate_from_ranking(*, actor: Any, selection: Selection, top: int) -> list[Nomination]:
    """从积分排名提名前 N 户: the village's households by cumulative points (those already
    nominated are skipped and do not count)."""
    require(actor, MANAGE, selection.village_id)
    if not (1 <= top <= 200):
        raise ApplicationError("ranking_top", "提名户数应在1至200之间", field="top")
    selection = _locked(selection, SelectionStage.NOMINATING)
    taken = set(
        Nomination.objects.filter(selection=selection).values_list("household_id", flat=True)
    )
    rows = rankings(actor=actor, village=selection.village)
    made: list[Nomination] = []
    for row in rows:
        if len(made) >= top:
            break
        if row.household.pk in taken:
            continue
        made.append(
            _nominate(selection, row.household, source=NominationSource.RANKING,
                      reason=f"积分排名第{row.rank}名（累计{row.points}分）", actor=actor,
                      points=row.points)
        )  # fmt: skip
    if not made:
        raise ApplicationError("ranking_empty", "积分排名中没有可提名的户", field="top")
    audit(actor, selection.village_id, "nomination_ranking", selection, top=top,
          households=[n.household.number for n in made])  # fmt: skip
    return made


@transaction.atomic
def nomination_withdraw(*, actor: Any, nomination: Nomination) -> None:
    require(actor, MANAGE, nomination.selection.village_id)
    _locked(nomination.selection, SelectionStage.NOMINATING)
    number = nomination.household.number
    audit(actor, nomination.selection.village_id, "nomination_withdraw", nomination.selection,
          household=number)  # fmt: skip
    nomination.delete()


@transaction.atomic
def appraisal_start(*, actor: Any, selection: Selection) -> Selection:
    require(actor, MANAGE, selection.village_id)
    selection = _locked(selection, SelectionStage.NOMINATING)
    if not selection.nominations.exists():
        raise ApplicationError("appraisal_empty", "还没有提名，不能开始评议")
    selection.stage = SelectionStage.APPRAISING
    selection.save(update_fields=["stage"])
    audit(actor, selection.village_id, "selection_appraise", selection)
    return selection


def winners(votes: dict[int, int], present: int, quota: int) -> list[int]:
    """Those with more than half of ``present`` votes, best first, at most ``quota`` (a tie at
    the quota's edge takes none of the tied: the meeting votes again)."""
    above = sorted(
        ((v, k) for k, v in votes.items() if v * 2 > present), key=lambda t: (-t[0], t[1])
    )
    if len(above) <= quota:
        return [k for _v, k in above]
    edge = above[quota - 1][0]
    if above[quota][0] == edge:
        return [k for v, k in above if v > edge]
    return [k for _v, k in above[:quota]]


@transaction.atomic
def appraisal_record(
    *, actor: Any, selection: Selection, members_total: int, members_present: int,
    on: date, votes: dict[int, int],
) -> Selection:  # fmt: skip
    """The appraisal meeting and its votes for each nomination: the candidates are those above
    half of the members present, by votes, within the quota."""
    require(actor, MANAGE, selection.village_id)
    selection = _locked(selection, SelectionStage.APPRAISING)
    if members_total < 1 or members_total > 1000:
        raise ApplicationError("appraisal_total", "应到人数应在1至1000之间", field="members_total")
    if members_present < 0 or members_present > members_total:
        raise ApplicationError(
            "appraisal_present", "实到人数不能超过应到人数", field="members_present"
        )
    if members_present * 2 <= members_total:
        raise ApplicationError(
            "appraisal_quorum",
            f"实到{members_present}人，未超过应到{members_total}人的半数，评议无效",
            field="members_present",
        )
    if on > timezone.localdate():
        raise ApplicationError("appraisal_date", "评议日期不能晚于今天", field="appraised_on")
    nominations = {n.pk: n for n in selection.nominations.all()}
    if set(votes) != set(nominations):
        raise ApplicationError("appraisal_votes", "请为每个提名填写得票数", field="votes")
    for pk, count in votes.items():
        if count < 0 or count > members_present:
            raise ApplicationError(
                "appraisal_vote_range",
                f"{nominations[pk].household.number}户得票{count}，应在0至实到人数{members_present}之间",
                field="votes",
            )
    chosen = set(winners(votes, members_present, selection.quota))
    if not chosen:
        raise ApplicationError(
            "appraisal_none", "没有提名获得实到人数过半的票数，请重新提名或再次评议", field="votes"
        )
    for pk, nomination in nominations.items():
        nomination.votes = votes[pk]
        nomination.candidate = pk in chosen
        nomination.save(update_fields=["votes", "candidate"])
    selection.members_total = members_total
    selection.members_present = members_present
    selection.appraised_on = on
    selection.appraisal_rounds += 1
    selection.save(
        update_fields=["members_total", "members_present", "appraised_on", "appraisal_rounds"]
    )
    audit(actor, selection.village_id, "selection_votes", selection, total=members_total,
          present=members_present, votes={str(k): v for k, v in votes.items()},
          candidates=sorted(chosen))  # fmt: skip
    return selection


@transaction.atomic
def selection_publish(*, actor: Any, selection: Selection) -> Selection:
    """Publish the candidates (公示 of seven days); the outcome comes back through
    :func:`on_notice_closed`."""
    require(actor, MANAGE, selection.village_id)
    selection = _locked(selection, SelectionStage.APPRAISING)
    candidates = list(
        selection.nominations.filter(candidate=True).select_related("household")
        .order_by("-votes", "pk")
    )  # fmt: skip
    if not candidates:
        raise ApplicationError("publish_empty", "还没有评议出拟表彰户，不能公示")
    village = selection.village
    rows = {
        "columns": ["户编号", "住址", "得票", "提名理由"],
        "rows": [[n.household.number, n.household.address, n.votes, n.reason]
                 for n in candidates],
    }  # fmt: skip
    notice = notice_publish(
        actor=actor, region=village, category=Category.VILLAGE,
        title=f"{village.name}{selection}拟表彰名单公示",
        body=f"<p>经评议会评议，现将{selection.year}年度{selection.get_kind_display()}拟表彰名单公示如下。公示期{DISCLOSURE_DAYS}天，如有异议，请在公示期内提出。</p>",
        rows=rows, period=Period(days=DISCLOSURE_DAYS), subject=Subject(SUBJECT, str(selection.pk)),
    )  # fmt: skip
    selection.notice = notice
    selection.stage = SelectionStage.DISCLOSING
    selection.save(update_fields=["notice", "stage"])
    audit(actor, selection.village_id, "selection_publish", selection, notice=notice.pk,
          candidates=[n.household.number for n in candidates])  # fmt: skip
    return selection


def award_number(selection: Selection, seq: int) -> str:
    return f"{selection.village_id}-{selection.year}-{selection.kind.upper()[:4]}-{seq:03d}"


def _award_all(selection: Selection, on: date) -> list[Award]:
    made = []
    candidates = selection.nominations.filter(candidate=True).order_by("-votes", "pk")
    for seq, nomination in enumerate(candidates, start=1):
        made.append(
            Award.objects.create(
                selection=selection, nomination=nomination, household_id=nomination.household_id,
                village_id=selection.village_id, number=award_number(selection, seq),
                awarded_on=on,
            )
        )  # fmt: skip
    return made


def on_notice_closed(sender: Any, notice: Any, outcome: str, **kwargs: Any) -> None:
    """disclosure.signals.notice_closed: the 公示 of a selection ended (inside the closing
    transaction). No objection upheld → awarded; an objection upheld → back to appraising."""
    if notice.subject_type != SUBJECT or not str(notice.subject_id).isdigit():
        return
    selection = (
        Selection.objects.select_for_update()
        .filter(pk=int(notice.subject_id), notice_id=notice.pk, stage=SelectionStage.DISCLOSING)
        .first()
    )
    if selection is None:
        return
    if outcome == "passed":
        awards = _award_all(selection, timezone.localdate())
        selection.stage = SelectionStage.AWARDED
        selection.save(update_fields=["stage"])
        audit(None, selection.village_id, "selection_awarded", selection,
              awards=[a.number for a in awards])  # fmt: skip
        return
    selection.stage = SelectionStage.APPRAISING
    selection.notice = None
    selection.save(update_fields=["stage", "notice"])
    audit(None, selection.village_id, "selection_returned", selection, notice=notice.pk)


@transaction.atomic
def selection_cancel(*, actor: Any, selection: Selection, reason: str) -> Selection:
    require(actor, MANAGE, selection.village_id)
    selection = _locked(selection, SelectionStage.NOMINATING, SelectionStage.APPRAISING)
    reason = clean_text(reason, field="reason", label="取消原因", limit=200)
    selection.stage = SelectionStage.CANCELLED
    selection.cancel_reason = reason
    selection.save(update_fields=["stage", "cancel_reason"])
    audit(actor, selection.village_id, "selection_cancel", selection, reason=reason)
    return selection


def can_manage(actor: Any, selection: Selection) -> bool:
    return has_perm_in(actor, MANAGE, selection.village_id)
