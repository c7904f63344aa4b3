"""Reads of feedback and the supervision committee, always scoped to the acting user.

Who sees a feedback (``visible_q``): ordinary feedback goes to the village staff, the committee,
the township and the county; a complaint about a named cadre goes past the village staff to the
committee, the township and its discipline inspection; an escalated (overdue) one also to the
discipline inspection. Whatever the role, the cadre a feedback names never sees it: not in a
list, a detail (404), a count, the statistics or the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cunwu.accounts.models import Role, User
from cunwu.accounts.permissions import has_perm_in, regions_in_scope, scope_q
from cunwu.core.models import Region, RegionLevel, code_prefix

from .models_feedback import (
    OPEN_FEEDBACK,
    CommitteeMeeting,
    CommitteeMember,
    CommitteePosition,
    Feedback,
    FeedbackKind,
    FeedbackReply,
    FeedbackStatus,
    Inspection,
    Problem,
    ProblemStatus,
)

MAX_Q = 50
COMMITTEE_MIN, COMMITTEE_MAX = 3, 5  # members of a supervision committee (2017 guidance)


def visible_q(actor: Any) -> Q:
    """The feedback ``actor`` may see (apply with ``.exclude(about_user=actor)``, see
    :func:`feedback_visible`)."""
    return (
        (scope_q(actor, "disclosure.feedback_ordinary") & Q(about_user__isnull=True))
        | (scope_q(actor, "disclosure.feedback_sensitive") & Q(about_user__isnull=False))
        | (scope_q(actor, "disclosure.feedback_escalated") & Q(escalated_at__isnull=False))
    )


def feedback_visible(actor: Any) -> QuerySet[Feedback]:
    if not getattr(actor, "is_authenticated", False):
        return Feedback.objects.none()
    return Feedback.objects.filter(visible_q(actor)).exclude(about_user=actor)


def can_see(actor: Any, feedback: Feedback) -> bool:
    if not getattr(actor, "is_authenticated", False) or feedback.about_user_id == actor.pk:
        return False
    code = feedback.village_id
    if feedback.about_user_id is None and has_perm_in(actor, "disclosure.feedback_ordinary", code):
        return True
    if feedback.about_user_id is not None and has_perm_in(
        actor, "disclosure.feedback_sensitive", code
    ):
        return True
    return feedback.escalated_at is not None and has_perm_in(
        actor, "disclosure.feedback_escalated", code
    )


def _in_region(qs: QuerySet[Any], region: str, field: str = "village") -> QuerySet[Any]:
    if region.isdigit() and len(region) == 12:
        level = Region.objects.filter(code=region).values_list("level", flat=True).first()
        if level is not None:
            return qs.filter(**{f"{field}__code__startswith": code_prefix(region, level)})
    return qs


def feedback_list(
    *,
    actor: Any,
    q: str = "",
    kind: str = "",
    status: str = "",
    region: str = "",
    overdue: bool = False,
    escalated: bool = False,
    today: date | None = None,
) -> QuerySet[Feedback]:
    today = today or timezone.localdate()
    qs = feedback_visible(actor).select_related("village", "about_user")
    if kind in FeedbackKind.values:
        qs = qs.filter(kind=kind)
    if status in FeedbackStatus.values:
        qs = qs.filter(status=status)
    qs = _in_region(qs, region)
    if overdue:
        qs = qs.filter(overdue_q(today))
    if escalated:
        qs = qs.filter(escalated_at__isnull=False)
    q = q.strip()[:MAX_Q]
    if q:
        qs = qs.filter(Q(code__iexact=q) | Q(text__icontains=q) | Q(name__icontains=q))
    return qs


def overdue_q(today: date) -> Q:
    """Open feedback past a deadline: not replied by ``reply_due``, or not resolved by
    ``resolve_due`` (the deadline day itself still counts as in time)."""
    return Q(status=FeedbackStatus.PENDING, reply_due__lt=today) | Q(
        status__in=OPEN_FEEDBACK, resolve_due__lt=today
    )


def feedback_get(*, actor: Any, pk: int) -> Feedback:
    """A feedback the actor may see; anything else is not found (its existence stays hidden)."""
    feedback = (
        Feedback.objects.select_related("village", "submitted_by", "about_user", "resolved_by")
        .filter(pk=pk)
        .first()
    )
    if feedback is None or not can_see(actor, feedback):
        raise Http404
    return feedback


def replies_of(feedback: Feedback, *, internal: bool) -> QuerySet[FeedbackReply]:
    """The thread; the public sees it without the internal notes."""
    qs = feedback.replies.select_related("author")
    return qs if internal else qs.filter(internal=False)


def public_feedback(code: str) -> Feedback:
    code = normalize_code(code)
    feedback = (
        Feedback.objects.select_related("village", "submitted_by").filter(code=code).first()
        if code.isalnum() and len(code) <= 12
        else None
    )
    if feedback is None:
        raise Http404
    return feedback


def normalize_code(raw: str) -> str:
    """What a villager types or reads out: any case, spaces or dashes between the groups."""
    return "".join(ch for ch in raw.upper() if ch not in " -\u3000\t")[:20]


def village_cadres(village: Region) -> QuerySet[User]:
    """The village staff a complaint may name (the submitter picks among them)."""
    return (
        User.objects.filter(
            assignments__role=Role.VILLAGE_STAFF, assignments__region=village, is_active=True
        )
        .distinct()
        .order_by("display_name", "username")
    )


def public_villages(q: str) -> QuerySet[Region]:
    """Villages a villager can pick on the public form (by name or code)."""
    q = q.strip()[:MAX_Q]
    qs = Region.objects.filter(level=RegionLevel.VILLAGE, retired=False).select_related(
        "parent__parent"
    )
    if not q:
        return qs.none()
    return qs.filter(Q(name__icontains=q) | Q(code__startswith=q)).order_by("code")


# ---------------------------------------------------------------- statistics


@dataclass
class StatRow:
    """Counts of one village and kind (or a subtotal: ``kind`` empty, or a total: no village)."""

    village: Region | None
    kind: str
    by_status: dict[str, int] = field(default_factory=dict)
    total: int = 0
    overdue: int = 0
    rated: int = 0
    score_sum: int = 0

    @property
    def kind_label(self) -> str:
        return str(FeedbackKind(self.kind).label) if self.kind else "小计"

    @property
    def statuses(self) -> list[int]:
        return [self.by_status.get(s, 0) for s in FeedbackStatus.values]

    @property
    def overdue_rate(self) -> str:
        return f"{self.overdue * 100 / self.total:.1f}%" if self.total else "—"

    @property
    def satisfaction(self) -> str:
        return f"{self.score_sum / self.rated:.2f}" if self.rated else "—"

    def add(self, status: str, late: bool, score: int | None) -> None:
        self.by_status[status] = self.by_status.get(status, 0) + 1
        self.total += 1
        self.overdue += late
        if score is not None:
            self.rated += 1
            self.score_sum += score


def missed_deadline(
    *,
    reply_due: date,
    resolve_due: date,
    replied: date | None,
    resolved: date | None,
    closed: date | None,
    today: date,
) -> bool:
    """Whether a feedback missed its reply or resolution deadline (already, or by now)."""
    answered = min((d for d in (replied, resolved, closed) if d), default=None)
    finished = min((d for d in (resolved, closed) if d), default=None)
    late_reply = answered > reply_due if answered else today > reply_due
    late_resolve = finished > resolve_due if finished else today > resolve_due
    return late_reply or late_resolve


def _local(value: Any) -> date | None:
    return timezone.localdate(value) if value else None


def feedback_stats(
    *,
    actor: Any,
    region: str = "",
    since: date | None = None,
    until: date | None = None,
    today: date | None = None,
) -> list[StatRow]:
    """Per village and kind: counts by status, missed deadlines, average satisfaction; then a
    subtotal per village and the total. Counted over what the actor may see, so that a cadre
    named in a complaint finds no trace of it here either."""
    today = today or timezone.localdate()
    qs = _in_region(feedback_visible(actor), region)
    if since:
        qs = qs.filter(submitted_at__date__gte=since)
    if until:
        qs = qs.filter(submitted_at__date__lte=until)
    rows: dict[tuple[str, str], StatRow] = {}
    villages: dict[str, Region] = {}
    total = StatRow(village=None, kind="")
    fields = ("village_id", "kind", "status", "reply_due", "resolve_due", "replied_at",
              "resolved_at", "closed_at", "satisfaction")  # fmt: skip
    for (
        vid,
        kind,
        status,
        reply_due,
        resolve_due,
        replied,
        resolved,
        closed,
        score,
    ) in qs.values_list(*fields).iterator():
        late = missed_deadline(
            reply_due=reply_due, resolve_due=resolve_due, replied=_local(replied),
            resolved=_local(resolved), closed=_local(closed), today=today,
        )  # fmt: skip
        for key in ((vid, kind), (vid, "")):
            rows.setdefault(key, StatRow(village=None, kind=key[1])).add(status, late, score)
        total.add(status, late, score)
    villages = {r.code: r for r in Region.objects.filter(code__in={v for v, _ in rows})}
    out: list[StatRow] = []
    order = {k: i for i, k in enumerate(FeedbackKind.values)}
    for vid, kind in sorted(rows, key=lambda k: (k[0], order.get(k[1], len(order)))):
        row = rows[(vid, kind)]
        row.village = villages.get(vid)
        out.append(row)
    out.append(total)
    return out


# ---------------------------------------------------------------- the committee


def committee_villages(actor: Any) -> QuerySet[Region]:
    return regions_in_scope(actor, "disclosure.committee_view", level=RegionLevel.VILLAGE)


def committee_village(*, actor: Any, code: str) -> Region:
    village = Region.objects.filter(code=code, level=RegionLevel.VILLAGE).first()
    if village is None or not has_perm_in(actor, "disclosure.committee_view", village):
        raise Http404
    return village


def members_of(village: Region, *, today: date | None = None, current: bool = True) -> Any:
    today = today or timezone.localdate()
    qs = CommitteeMember.objects.filter(village=village).select_related("user")
    if current:
        qs = qs.filter(Q(term_end__isnull=True) | Q(term_end__gte=today), term_start__lte=today)
    return qs.order_by("position", "term_start", "pk")


def meeting_list(
    *, actor: Any, village: str = "", q: str = "", since: date | None = None
) -> QuerySet[CommitteeMeeting]:
    qs = CommitteeMeeting.objects.filter(
        scope_q(actor, "disclosure.committee_view")
    ).select_related("village", "recorded_by")
    qs = _in_region(qs, village)
    if since:
        qs = qs.filter(date__gte=since)
    q = q.strip()[:MAX_Q]
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(minutes__icontains=q))
    return qs


def meeting_get(*, actor: Any, pk: int) -> CommitteeMeeting:
    meeting = (
        CommitteeMeeting.objects.select_related("village", "recorded_by").filter(pk=pk).first()
    )
    if meeting is None or not has_perm_in(actor, "disclosure.committee_view", meeting.village):
        raise Http404
    return meeting


def inspection_list(
    *, actor: Any, village: str = "", q: str = "", subject: str = ""
) -> QuerySet[Inspection]:
    qs = Inspection.objects.filter(scope_q(actor, "disclosure.committee_view")).select_related(
        "village", "recorded_by"
    )
    qs = _in_region(qs, village)
    if subject:
        qs = qs.filter(subject=subject)
    q = q.strip()[:MAX_Q]
    if q:
        qs = qs.filter(findings__icontains=q)
    return qs


def inspection_get(*, actor: Any, pk: int) -> Inspection:
    inspection = Inspection.objects.select_related("village", "recorded_by").filter(pk=pk).first()
    if inspection is None or not has_perm_in(
        actor, "disclosure.committee_view", inspection.village
    ):
        raise Http404
    return inspection


# ---------------------------------------------------------------- the problem ledger


SOURCE_LABELS: dict[str, str] = {
    "disclosure.inspection": "监督检查",
    "disclosure.feedback": "意见投诉",
}


def problem_list(
    *,
    actor: Any,
    q: str = "",
    status: str = "",
    region: str = "",
    source: str = "",
    overdue: bool = False,
    today: date | None = None,
) -> QuerySet[Problem]:
    today = today or timezone.localdate()
    qs = Problem.objects.filter(scope_q(actor, "disclosure.problem_view")).select_related(
        "village", "created_by", "closed_by"
    )
    if status in ProblemStatus.values:
        qs = qs.filter(status=status)
    qs = _in_region(qs, region)
    if source:
        qs = qs.filter(source_type=source[:50])
    if overdue:
        qs = qs.exclude(status=ProblemStatus.CLOSED).filter(due_date__lt=today)
    q = q.strip()[:MAX_Q]
    if q:
        qs = qs.filter(Q(description__icontains=q) | Q(responsible__icontains=q))
    return qs.order_by("status", "due_date", "pk")


def problem_get(*, actor: Any, pk: int) -> Problem:
    problem = (
        Problem.objects.select_related("village", "created_by", "closed_by").filter(pk=pk).first()
    )
    if problem is None or not has_perm_in(actor, "disclosure.problem_view", problem.village):
        raise Http404
    return problem


def problems_of(source_type: str, source_id: Any) -> QuerySet[Problem]:
    return Problem.objects.filter(source_type=source_type, source_id=str(source_id))


def committee_warnings(village: Region) -> list[str]:
    """What the committee page points out (3–5 members, one chair)."""
    serving = list(members_of(village))
    warnings = []
    if len(serving) < COMMITTEE_MIN:
        warnings.append(f"在任成员{len(serving)}人，少于{COMMITTEE_MIN}人")
    if not any(m.position == CommitteePosition.CHAIR for m in serving):
        warnings.append("尚未登记主任")
    return warnings


SOURCE_LABELS["assets.contract"] = "合同检查"


@dataclass
class ProblemCounts:
    """How a village's (or a township's) problems stand: open (待整改), rectifying (整改中),
    overdue (due date passed, not closed), closed on time and late."""

    region: Region
    open: int = 0
    rectifying: int = 0
    overdue: int = 0
    closed_on_time: int = 0
    closed_late: int = 0

    @property
    def total(self) -> int:
        return self.open + self.rectifying + self.closed_on_time + self.closed_late

    def add(self, other: ProblemCounts) -> None:
        self.open += other.open
        self.rectifying += other.rectifying
        self.overdue += other.overdue
        self.closed_on_time += other.closed_on_time
        self.closed_late += other.closed_late


def problem_stats(
    *, actor: Any, region: str = "", today: date | None = None
) -> tuple[list[ProblemCounts], list[ProblemCounts]]:
    """Counts per village and per township of the problems in scope (one grouped query);
    a problem is closed on time when its closing day (local) is on or before its due date."""
    from django.db.models import Count, F
    from django.db.models.functions import TruncDate

    today = today or timezone.localdate()
    qs = _in_region(Problem.objects.filter(scope_q(actor, "disclosure.problem_view")), region)
    closed = Q(status=ProblemStatus.CLOSED)
    rows = (
        qs.order_by()
        .annotate(closed_day=TruncDate("closed_at"))
        .values("village_id")
        .annotate(
            n_open=Count("pk", filter=Q(status=ProblemStatus.OPEN)),
            n_rectifying=Count("pk", filter=Q(status=ProblemStatus.RECTIFYING)),
            n_overdue=Count("pk", filter=~closed & Q(due_date__lt=today)),
            n_on_time=Count("pk", filter=closed & Q(closed_day__lte=F("due_date"))),
            n_late=Count("pk", filter=closed & Q(closed_day__gt=F("due_date"))),
        )
        .order_by("village_id")
    )
    rows = list(rows)
    township_codes = {r["village_id"][:9] + "000" for r in rows}
    regions = Region.objects.in_bulk([r["village_id"] for r in rows] + sorted(township_codes))
    villages: list[ProblemCounts] = []
    townships: dict[str, ProblemCounts] = {}
    for r in rows:
        counts = ProblemCounts(
            region=regions[r["village_id"]], open=r["n_open"], rectifying=r["n_rectifying"],
            overdue=r["n_overdue"], closed_on_time=r["n_on_time"], closed_late=r["n_late"],
        )  # fmt: skip
        villages.append(counts)
        code = r["village_id"][:9] + "000"
        if code in regions:
            townships.setdefault(code, ProblemCounts(region=regions[code])).add(counts)
    return villages, [townships[c] for c in sorted(townships)]
