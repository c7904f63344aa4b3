"""Writes of the rules part of 乡村治理: 村规民约、乡风文明公约、清廉公约.

A rule has numbered versions. A draft (at most one per rule) is edited freely; adopting it
needs a recorded resolution (:func:`check_resolution`: quorum and majority of 第21–26条; a
村规民约 only by the 村民会议, never delegated to the 村民代表会议, and filed with the township),
supersedes the version adopted before and discloses the text (a 村务 notice). Adoption claims
the draft with a conditional UPDATE under a lock of the rule, so two cadres adopting the same
draft at once adopt it once. Households then acknowledge the adopted version, once each: a
cadre ticks paper signatures, a villager confirms for the own household on a phone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.html import escape

from cunwu.accounts.permissions import has_perm_in, require
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import clean_text
from cunwu.core.models import Region, RegionLevel
from cunwu.registry.models import Household, HouseholdStatus

from ..models_rules import (
    Acknowledgement,
    AckWay,
    Rule,
    RuleClause,
    RuleKind,
    RuleVersion,
    RuleVersionStatus,
)
from .common import audit

__all__ = [
    "ASSEMBLY",
    "MEETING_KINDS",
    "REPRESENTATIVES",
    "acknowledgement_confirm",
    "acknowledgements_paper",
    "check_resolution",
    "parse_clauses",
    "rule_clause_link",
    "rule_create",
    "rule_version_adopt",
    "rule_version_create",
    "rule_version_file",
    "rule_version_update",
]

ASSEMBLY = "assembly"  # 村民会议
REPRESENTATIVES = "representatives"  # 村民代表会议
MEETING_KINDS = {ASSEMBLY: "村民会议", REPRESENTATIVES: "村民代表会议"}

MANAGE = "village.manage"
ACKNOWLEDGE = "village.acknowledge"
PUBLISH = "disclosure.publish"
SUBJECT = "village.rule_version"
MAX_CLAUSES = 200
CLAUSE_LIMIT = 500
PREAMBLE_LIMIT = 5000
MAX_MEMBERS = 100_000
MAX_ACK_BATCH = 1000
_NUMBERING = re.compile(r"^(第[0-9一二三四五六七八九十百]+条|[0-9]+[.、．)）])\s*")


def check_resolution(
    *, rule_kind: str, meeting_kind: str, members: int, present: int, votes_for: int
) -> None:
    """Raise unless the recorded resolution may adopt a rule of ``rule_kind``.

    村民会议: more than half of ``members`` (the adult villagers) present; 村民代表会议: at least
    two thirds of its members present; either way more than half of those present in favour.
    A 村规民约 may not be adopted by a 村民代表会议 (第24条)."""
    if meeting_kind not in (ASSEMBLY, REPRESENTATIVES):
        raise ApplicationError(
            "rule_meeting_kind", "请选择村民会议或村民代表会议", field="meeting_kind"
        )
    if rule_kind == RuleKind.VILLAGE and meeting_kind == REPRESENTATIVES:
        raise ApplicationError(
            "rule_meeting_delegated", "村规民约须由村民会议讨论通过，不能由村民代表会议决定",
            field="meeting_kind",
        )  # fmt: skip
    if members < 1:
        raise ApplicationError("rule_members", "应到人数须大于0", field="members")
    if not 0 <= present <= members:
        raise ApplicationError("rule_present", "实到人数须在0到应到人数之间", field="present")
    if not 0 <= votes_for <= present:
        raise ApplicationError("rule_votes", "赞成票数须在0到实到人数之间", field="votes_for")
    if meeting_kind == ASSEMBLY and present * 2 <= members:
        raise ApplicationError(
            "rule_quorum", "村民会议须有本村过半数的成年村民参加", field="present"
        )
    if meeting_kind == REPRESENTATIVES and present * 3 < members * 2:
        raise ApplicationError(
            "rule_quorum", "村民代表会议须有三分之二以上的组成人员参加", field="present"
        )
    if votes_for * 2 <= present:
        raise ApplicationError("rule_majority", "须经到会人员的过半数同意", field="votes_for")


# ---------------------------------------------------------------- helpers


def _count(value: Any, *, field: str, label: str, high: int = MAX_MEMBERS) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApplicationError(f"rule_{field}_invalid", f"{label}无效", field=field)
    if not 0 <= value <= high:
        raise ApplicationError(f"rule_{field}_range", f"{label}应在0至{high}之间", field=field)
    return value


def _locked_draft(version: RuleVersion) -> RuleVersion:
    """The version's row, locked; refused unless it is still a draft."""
    fresh = RuleVersion.objects.select_for_update().get(pk=version.pk)
    if fresh.status != RuleVersionStatus.DRAFT:
        raise ApplicationError(
            "rule_version_not_draft",
            f"第{fresh.number}版{fresh.get_status_display()}，不能再修改",
            status=409,
        )
    return fresh


def parse_clauses(text: str) -> list[str]:
    """One clause per non-empty line, white space folded; a leading 第N条 / 1. / 1、 is
    dropped (the order gives the number)."""
    out = []
    for raw in str(text or "").splitlines():
        line = _NUMBERING.sub("", " ".join(raw.split()))
        if line:
            out.append(line)
    return out


def _clean_clauses(clauses: Sequence[str]) -> list[str]:
    if isinstance(clauses, str) or not all(isinstance(c, str) for c in clauses):
        raise ApplicationError("rule_clauses_invalid", "条款无效", field="clauses")
    cleaned = [" ".join(c.split()) for c in clauses]
    cleaned = [c for c in cleaned if c]
    if len(cleaned) > MAX_CLAUSES:
        raise ApplicationError("rule_clauses_many", f"条款至多{MAX_CLAUSES}条", field="clauses")
    for i, c in enumerate(cleaned, 1):
        if len(c) > CLAUSE_LIMIT or "\x00" in c:
            raise ApplicationError(
                "rule_clause_long", f"第{i}条至多{CLAUSE_LIMIT}字", field="clauses"
            )
    return cleaned


def _clean_preamble(preamble: str) -> str:
    text = str(preamble or "").strip()
    if len(text) > PREAMBLE_LIMIT or "\x00" in text:
        raise ApplicationError(
            "rule_preamble_long", f"序言至多{PREAMBLE_LIMIT}字", field="preamble"
        )
    return text


def _village_chain(village: Region) -> set[str]:
    """The codes of ``village`` and the regions above it (whose rulebooks are its templates)."""
    codes = set()
    region: Region | None = village
    while region is not None:
        codes.add(region.code)
        region = region.parent
    return codes


def township_name(village: Region) -> str:
    """The township a 村规民约 is filed with (备案): the village's parent."""
    parent = village.parent
    return parent.name if parent is not None and parent.level == RegionLevel.TOWNSHIP else ""


# ---------------------------------------------------------------- rules and versions


@transaction.atomic
def rule_create(*, actor: Any, village: Region, kind: str) -> Rule:
    """A village's rule of ``kind`` (one per kind); its first version is a separate draft."""
    require(actor, MANAGE, village)
    if village.level != RegionLevel.VILLAGE:
        raise ApplicationError("rule_village_level", "村规民约只能由村制定", field="village")
    if kind not in RuleKind.values:
        raise ApplicationError("rule_kind", "请选择村规民约、乡风文明公约或清廉公约", field="kind")
    label = RuleKind(kind).label
    if Rule.objects.filter(village=village, kind=kind).exists():
        raise ApplicationError("rule_exists", f"{village.name}已有{label}", field="kind")
    try:
        with transaction.atomic():
            rule = Rule.objects.create(village=village, kind=kind)
    except IntegrityError:
        raise ApplicationError(
            "rule_exists", f"{village.name}已有{label}", field="kind", status=409
        ) from None
    audit(actor, village, "rule_create", rule, kind=kind)
    return rule


def current_version(rule: Rule) -> RuleVersion | None:
    return rule.versions.filter(status=RuleVersionStatus.ADOPTED).first()


@transaction.atomic
def rule_version_create(
    *, actor: Any, rule: Rule, title: str = "", preamble: str | None = None,
    clauses: Sequence[str] | None = None,
) -> RuleVersion:  # fmt: skip
    """A new draft of ``rule``, numbered after the last version. Without ``clauses`` it copies
    the adopted version (title, preamble, clauses and their 积分事项); a rule has one draft at
    a time."""
    require(actor, MANAGE, rule.village_id)
    rule = Rule.objects.select_for_update().select_related("village").get(pk=rule.pk)
    draft = rule.versions.filter(status=RuleVersionStatus.DRAFT).first()
    if draft is not None:
        raise ApplicationError(
            "rule_draft_exists", f"已有草稿（第{draft.number}版），请先修改或通过该草稿",
            status=409,
        )  # fmt: skip
    base = current_version(rule)
    default_title = base.title if base else f"{rule.village.name}{rule.get_kind_display()}"
    title = clean_text(title or default_title, field="title", label="标题", limit=100)
    if preamble is None:
        preamble = base.preamble if base else ""
    preamble = _clean_preamble(preamble)
    number = (rule.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = RuleVersion.objects.create(
        rule=rule, village_id=rule.village_id, number=number, title=title, preamble=preamble,
        copied_from=base, drafted_by=actor,
    )  # fmt: skip
    if clauses is not None:
        texts = _clean_clauses(clauses)
        RuleClause.objects.bulk_create(
            RuleClause(version=version, order=i, text=t) for i, t in enumerate(texts, 1)
        )
    elif base is not None:
        RuleClause.objects.bulk_create(
            RuleClause(version=version, order=c.order, text=c.text, points_item_id=c.points_item_id)
            for c in base.clauses.all()
        )
    audit(actor, rule.village_id, "rule_version_create", version, rule=rule.pk, number=number,
           copied_from=base.pk if base else None)  # fmt: skip
    return version


@transaction.atomic
def rule_version_update(
    *, actor: Any, version: RuleVersion, title: str, preamble: str, clauses: Sequence[str]
) -> RuleVersion:
    """Edit a draft: its title, preamble and clauses (in order). A clause whose text is kept
    keeps its 积分事项; an adopted or superseded version is never edited."""
    require(actor, MANAGE, version.village_id)
    title = clean_text(title, field="title", label="标题", limit=100)
    preamble = _clean_preamble(preamble)
    texts = _clean_clauses(clauses)
    version = _locked_draft(version)
    links = {c.text: c.points_item_id for c in version.clauses.all()}
    version.clauses.all().delete()
    RuleClause.objects.bulk_create(
        RuleClause(version=version, order=i, text=t, points_item_id=links.get(t))
        for i, t in enumerate(texts, 1)
    )
    version.title = title
    version.preamble = preamble
    version.save(update_fields=["title", "preamble"])
    audit(actor, version.village_id, "rule_version_update", version, title=title,
           clauses=len(texts))  # fmt: skip
    return version


@transaction.atomic
def rule_clause_link(*, actor: Any, clause: RuleClause, item: Any | None) -> RuleClause:
    """Link a clause of a draft to a 积分事项 (or unlink with ``None``). The item must belong
    to the points rulebook of the same village or of a template above it (township, county)."""
    from cunwu.points.models import RuleItem

    version = clause.version
    require(actor, MANAGE, version.village_id)
    _locked_draft(version)
    if item is not None:
        if not isinstance(item, RuleItem):
            raise ApplicationError("rule_item_invalid", "积分事项无效", field="points_item")
        region_code = item.version.rulebook.region_id
        if region_code not in _village_chain(version.village):
            raise ApplicationError(
                "rule_item_village", "只能关联本村或上级模板积分细则中的事项",
                field="points_item",
            )  # fmt: skip
    RuleClause.objects.filter(pk=clause.pk).update(points_item=item)
    clause.refresh_from_db()
    audit(actor, version.village_id, "rule_clause_link", clause, version=version.pk,
           order=clause.order, item=item.pk if item is not None else None)  # fmt: skip
    return clause


def _notice_body(version: RuleVersion) -> str:
    kind = version.rule.get_kind_display()
    meeting = MEETING_KINDS.get(version.meeting_kind, "")
    on = version.meeting_on
    when = f"{on.year}年{on.month}月{on.day}日" if on else ""
    parts = [
        f"<p>{escape(kind)}（第{version.number}版）经{when}{meeting}讨论通过"
        f"（应到{version.members}人，实到{version.present}人，赞成{version.votes_for}票，"
        f"反对{version.votes_against}票），现予公布，自公布之日起施行。</p>"
    ]
    if version.preamble:
        parts.extend(f"<p>{escape(p)}</p>" for p in version.preamble.splitlines() if p.strip())
    items = "".join(f"<li>{escape(c.text)}</li>" for c in version.clauses.all())
    if items:
        parts.append(f"<ol>{items}</ol>")
    if version.filed_with:
        parts.append(f"<p>已报{escape(version.filed_with)}备案。</p>")
    return "".join(parts)


@transaction.atomic
def rule_version_adopt(
    *, actor: Any, version: RuleVersion, meeting_kind: str, meeting_on: date, members: int,
    present: int, votes_for: int, votes_against: int = 0, filed_on: date | None = None,
    filed_with: str = "",
) -> RuleVersion:  # fmt: skip
    """Record the resolution adopting a draft, supersede the version adopted before and
    disclose the text (a 村务 notice). The votes must pass :func:`check_resolution`; a 村规民约
    names the township it is filed with (备案). A failed check changes nothing."""
    from cunwu.disclosure.models import Category
    from cunwu.disclosure.services import Subject, notice_publish

    require(actor, MANAGE, version.village_id)
    if not has_perm_in(actor, PUBLISH, version.village_id):
        raise PermissionDenied("登记表决结果并公布须由村干部办理")
    rule = Rule.objects.select_for_update().select_related("village").get(pk=version.rule_id)
    if not isinstance(meeting_on, date):
        raise ApplicationError("rule_meeting_on", "会议日期无效", field="meeting_on")
    today = timezone.localdate()
    if meeting_on > today:
        raise ApplicationError("rule_meeting_future", "会议日期不能晚于今天", field="meeting_on")
    members = _count(members, field="members", label="应到人数")
    present = _count(present, field="present", label="实到人数")
    votes_for = _count(votes_for, field="votes_for", label="赞成票数")
    votes_against = _count(votes_against, field="votes_against", label="反对票数")
    check_resolution(rule_kind=rule.kind, meeting_kind=meeting_kind, members=members,
                     present=present, votes_for=votes_for)  # fmt: skip
    if votes_for + votes_against > present:
        raise ApplicationError(
            "rule_votes_total", "赞成与反对票数之和不能超过实到人数", field="votes_against"
        )
    filed_with = clean_text(
        filed_with, field="filed_with", label="备案机关", limit=100,
        required=rule.kind == RuleKind.VILLAGE,
    )  # fmt: skip
    if filed_on is not None:
        if not isinstance(filed_on, date):
            raise ApplicationError("rule_filed_on", "备案日期无效", field="filed_on")
        if filed_on < meeting_on or filed_on > today:
            raise ApplicationError(
                "rule_filed_on_range", "备案日期应在会议日期至今天之间", field="filed_on"
            )
    fresh = _locked_draft(version)
    if not fresh.clauses.exists():
        raise ApplicationError("rule_no_clauses", "草稿还没有条款，不能表决通过", field="clauses")
    now = timezone.now()
    previous = list(
        RuleVersion.objects.filter(rule=rule, status=RuleVersionStatus.ADOPTED)
        .values_list("pk", flat=True)
    )  # fmt: skip
    RuleVersion.objects.filter(rule=rule, status=RuleVersionStatus.ADOPTED).update(
        status=RuleVersionStatus.SUPERSEDED, superseded_at=now
    )
    claimed = RuleVersion.objects.filter(pk=fresh.pk, status=RuleVersionStatus.DRAFT).update(
        status=RuleVersionStatus.ADOPTED, meeting_kind=meeting_kind, meeting_on=meeting_on,
        members=members, present=present, votes_for=votes_for, votes_against=votes_against,
        adopted_at=now, adopted_by=actor, filed_on=filed_on, filed_with=filed_with,
    )  # fmt: skip
    if not claimed:  # the rule lock makes this unreachable; kept as the claim's guard
        raise ApplicationError("rule_version_not_draft", "该版本已通过", status=409)
    fresh.refresh_from_db()
    kind = rule.get_kind_display()
    notice = notice_publish(
        actor=actor, region=rule.village, category=Category.VILLAGE,
        title=f"{rule.village.name}{kind}（第{fresh.number}版）公布"[:120],
        body=_notice_body(fresh), subject=Subject(SUBJECT, str(fresh.pk)),
    )  # fmt: skip
    RuleVersion.objects.filter(pk=fresh.pk).update(notice=notice)
    fresh.notice = notice
    audit(
        actor, rule.village_id, "rule_version_adopt", fresh, rule=rule.pk, number=fresh.number,
        meeting_kind=meeting_kind, meeting_on=meeting_on.isoformat(), members=members,
        present=present, votes_for=votes_for, votes_against=votes_against,
        superseded=previous, notice=notice.pk, filed_with=filed_with,
    )  # fmt: skip
    return fresh


@transaction.atomic
def rule_version_file(
    *, actor: Any, version: RuleVersion, filed_on: date, filed_with: str
) -> RuleVersion:
    """Record the 备案 of an adopted 村规民约 with the township (when it came after adoption)."""
    require(actor, MANAGE, version.village_id)
    version = RuleVersion.objects.select_for_update().select_related("rule").get(pk=version.pk)
    if version.status != RuleVersionStatus.ADOPTED:
        raise ApplicationError("rule_file_not_adopted", "只有已通过的版本才能登记备案", status=409)
    if version.rule.kind != RuleKind.VILLAGE:
        raise ApplicationError("rule_file_kind", "只有村规民约需报乡镇备案", field="filed_on")
    filed_with = clean_text(filed_with, field="filed_with", label="备案机关", limit=100)
    if not isinstance(filed_on, date):
        raise ApplicationError("rule_filed_on", "备案日期无效", field="filed_on")
    meeting_on = version.meeting_on or filed_on
    if filed_on < meeting_on or filed_on > timezone.localdate():
        raise ApplicationError(
            "rule_filed_on_range", "备案日期应在会议日期至今天之间", field="filed_on"
        )
    version.filed_on = filed_on
    version.filed_with = filed_with
    version.save(update_fields=["filed_on", "filed_with"])
    audit(actor, version.village_id, "rule_version_file", version, filed_on=filed_on.isoformat(),
           filed_with=filed_with)  # fmt: skip
    return version


# ---------------------------------------------------------------- acknowledgements


def _adopted(version: RuleVersion) -> None:
    if version.status != RuleVersionStatus.ADOPTED:
        raise ApplicationError(
            "rule_ack_not_current", "只能签订现行（已通过）的版本", field="version", status=409
        )


def _insert(version: RuleVersion, households: list[Household], way: str, actor: Any) -> None:
    try:
        with transaction.atomic():
            Acknowledgement.objects.bulk_create(
                Acknowledgement(version=version, village_id=version.village_id, household=h,
                                way=way, recorded_by=actor)
                for h in households
            )  # fmt: skip
    except IntegrityError:
        raise ApplicationError(
            "rule_ack_duplicate", "该户已签订，不能重复登记", field="households", status=409
        ) from None


@transaction.atomic
def acknowledgements_paper(
    *, actor: Any, version: RuleVersion, households: Iterable[Household]
) -> list[Acknowledgement]:
    """A cadre ticks the households that signed the paper copy of the adopted version (one or
    many at once). All or nothing: a household of another village or one already recorded
    refuses the whole tick list."""
    require(actor, MANAGE, version.village_id)
    version = RuleVersion.objects.select_related("rule").get(pk=version.pk)
    _adopted(version)
    chosen = list({h.pk: h for h in households}.values())
    if not chosen:
        raise ApplicationError("rule_ack_empty", "请勾选已签字的户", field="households")
    if len(chosen) > MAX_ACK_BATCH:
        raise ApplicationError(
            "rule_ack_many", f"一次至多登记{MAX_ACK_BATCH}户", field="households"
        )
    foreign = [h.number for h in chosen if h.village_id != version.village_id]
    if foreign:
        raise ApplicationError(
            "rule_ack_village", f"{'、'.join(foreign[:5])}不是本村的户", field="households"
        )
    gone = [h.number for h in chosen if h.status != HouseholdStatus.ACTIVE]
    if gone:
        raise ApplicationError(
            "rule_ack_dissolved", f"{'、'.join(gone[:5])}户已注销", field="households"
        )
    done = set(
        Acknowledgement.objects.filter(version=version, household__in=chosen)
        .values_list("household__number", flat=True)
    )  # fmt: skip
    if done:
        raise ApplicationError(
            "rule_ack_duplicate", f"{'、'.join(sorted(done)[:5])}户已签订，不能重复登记",
            field="households", status=409,
        )  # fmt: skip
    _insert(version, chosen, AckWay.PAPER, actor)
    audit(actor, version.village_id, "rule_ack_paper", version,
           households=sorted(h.number for h in chosen))  # fmt: skip
    return list(
        Acknowledgement.objects.filter(version=version, household__in=chosen).order_by("pk")
    )


@transaction.atomic
def acknowledgement_confirm(*, actor: Any, version: RuleVersion) -> Acknowledgement:
    """A villager confirms the adopted version on a phone for the own household (the household
    of the registry person the account belongs to)."""
    from cunwu.registry.selectors import own_household

    household = own_household(actor)
    if household is None or not has_perm_in(actor, ACKNOWLEDGE, household.village_id):
        raise PermissionDenied("只有登记在本村户籍中的村民可以为自家确认")
    version = RuleVersion.objects.select_related("rule").get(pk=version.pk)
    if version.village_id != household.village_id:
        raise PermissionDenied("只能确认本村的村规民约")
    _adopted(version)
    if Acknowledgement.objects.filter(version=version, household=household).exists():
        raise ApplicationError(
            "rule_ack_duplicate", "您家已签订，不能重复确认", field="households", status=409
        )
    _insert(version, [household], AckWay.PHONE, actor)
    audit(actor, version.village_id, "rule_ack_phone", version, household=household.number)
    return Acknowledgement.objects.get(version=version, household=household)
