"""Feedback (意见投诉) and the problem ledger over the API.

Staff: scoped like the pages (a feedback the caller may not see is 404, also to the cadre it
names). Public, without credentials and rate-limited per client: submit a feedback, follow it
by its code (public replies only), rate it after resolution.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from cunwu.api.schemas import ERRORS, Date, Page, PageParams, Text, paginate
from cunwu.core import ratelimit
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region, RegionLevel

from . import selectors_feedback as selectors
from . import services_feedback as services
from .models_feedback import Feedback, FeedbackReply, Problem

router = Router(tags=["意见投诉与问题台账"])

KindName = Literal["question", "suggestion", "complaint"]
StatusName = Literal["pending", "replied", "resolved", "closed"]
ProblemStatusName = Literal["open", "rectifying", "closed"]


# ---------------------------------------------------------------- schemas


class ReplyOut(Schema):
    id: int
    author: str
    text: str
    internal: bool
    created_at: dt.datetime


class FeedbackOut(Schema):
    id: int
    code: str
    village: str
    village_name: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    text: str
    anonymous: bool
    name: str
    phone: str = Field(description="遮蔽后的联系电话")
    about_cadre: bool = Field(description="是否指明涉及的村干部")
    submitted_at: dt.datetime
    reply_due: dt.date
    resolve_due: dt.date
    escalated_at: dt.datetime | None
    resolution: str
    resolved_at: dt.datetime | None
    close_reason: str
    satisfaction: int | None
    satisfaction_comment: str


class FeedbackDetailOut(FeedbackOut):
    about_user: str
    replies: list[ReplyOut]


class FeedbackFilter(PageParams):
    q: Text = Field("", max_length=50)
    kind: KindName | None = None
    status: StatusName | None = None
    region: Text = Field("", max_length=12)
    overdue: bool = False
    escalated: bool = False


class StatsFilter(Schema):
    region: Text = Field("", max_length=12)
    since: Date | None = None
    until: Date | None = None


class StatOut(Schema):
    village: str | None = Field(description="村的区划代码；合计行为空")
    village_name: str
    kind: str = Field(description="类型；村的小计行与合计行为空")
    pending: int
    replied: int
    resolved: int
    closed: int
    total: int
    overdue: int
    rated: int
    average_satisfaction: float | None


class ReplyIn(Schema):
    text: Text = Field(max_length=services.MAX_TEXT)
    internal: bool = False


class ResolveIn(Schema):
    resolution: Text = Field(max_length=services.MAX_TEXT)


class CloseIn(Schema):
    reason: Text = Field(max_length=200)


class ProblemOut(Schema):
    id: int
    village: str
    village_name: str
    source_type: str
    source_id: str
    description: str
    category: str
    evidence_found: str
    raised_role: str = Field(description="提出角色（system：系统自动检查）")
    responsible: str
    due_date: dt.date
    status: str
    status_label: str
    progress: str
    evidence: str
    closed_by: str
    closed_at: dt.datetime | None
    created_at: dt.datetime


class ProblemFilter(PageParams):
    q: Text = Field("", max_length=50)
    status: ProblemStatusName | None = None
    region: Text = Field("", max_length=12)
    source: Text = Field("", max_length=50)
    overdue: bool = False


class ProgressIn(Schema):
    progress: Text = Field(max_length=services.MAX_TEXT)


class EvidenceIn(Schema):
    evidence: Text = Field(max_length=services.MAX_TEXT)


class PublicFeedbackIn(Schema):
    region: Text = Field(pattern=r"^\d{12}$", description="村的区划代码")
    kind: KindName
    text: Text = Field(max_length=services.MAX_TEXT)
    name: Text = Field("", max_length=50)
    phone: Text = Field("", max_length=20, description="可不填，仅用于联系，不公开")
    about_user: int | None = Field(None, ge=1, description="投诉涉及的本村村干部（用户编号）")


class PublicReplyOut(Schema):
    text: str
    created_at: dt.datetime


class PublicFeedbackOut(Schema):
    code: str
    village_name: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    text: str
    submitted_at: dt.datetime
    reply_due: dt.date
    resolve_due: dt.date
    replies: list[PublicReplyOut]
    resolution: str
    resolved_at: dt.datetime | None
    close_reason: str
    satisfaction: int | None


class RatingIn(Schema):
    score: int = Field(ge=1, le=5)
    comment: Text = Field("", max_length=services.MAX_COMMENT)


# ---------------------------------------------------------------- helpers


def _out(f: Feedback) -> dict[str, Any]:
    return {
        "id": f.pk,
        "code": f.code,
        "village": f.village_id,
        "village_name": f.village.name,
        "kind": f.kind,
        "kind_label": f.get_kind_display(),
        "status": f.status,
        "status_label": f.get_status_display(),
        "text": f.text,
        "anonymous": f.submitted_by_id is None,
        "name": f.name,
        "phone": f.phone_masked,
        "about_cadre": f.about_user_id is not None,
        "submitted_at": f.submitted_at,
        "reply_due": f.reply_due,
        "resolve_due": f.resolve_due,
        "escalated_at": f.escalated_at,
        "resolution": f.resolution,
        "resolved_at": f.resolved_at,
        "close_reason": f.close_reason,
        "satisfaction": f.satisfaction,
        "satisfaction_comment": f.satisfaction_comment,
    }


def _reply(r: FeedbackReply) -> dict[str, Any]:
    return {
        "id": r.pk,
        "author": str(r.author),
        "text": r.text,
        "internal": r.internal,
        "created_at": r.created_at,
    }


def _detail(f: Feedback) -> dict[str, Any]:
    return {
        **_out(f),
        "about_user": str(f.about_user) if f.about_user_id else "",
        "replies": [_reply(r) for r in selectors.replies_of(f, internal=True)],
    }


def _public(f: Feedback) -> dict[str, Any]:
    return {
        "code": f.code,
        "village_name": f.village.full_name,
        "kind": f.kind,
        "kind_label": f.get_kind_display(),
        "status": f.status,
        "status_label": f.get_status_display(),
        "text": f.text,
        "submitted_at": f.submitted_at,
        "reply_due": f.reply_due,
        "resolve_due": f.resolve_due,
        "replies": [
            {"text": r.text, "created_at": r.created_at}
            for r in selectors.replies_of(f, internal=False)
        ],
        "resolution": f.resolution,
        "resolved_at": f.resolved_at,
        "close_reason": f.close_reason,
        "satisfaction": f.satisfaction,
    }


def _stat(row: selectors.StatRow) -> dict[str, Any]:
    pending, replied, resolved, closed = row.statuses
    return {
        "village": row.village.code if row.village else None,
        "village_name": row.village.name if row.village else "合计",
        "kind": row.kind if row.village else "",
        "pending": pending,
        "replied": replied,
        "resolved": resolved,
        "closed": closed,
        "total": row.total,
        "overdue": row.overdue,
        "rated": row.rated,
        "average_satisfaction": round(row.score_sum / row.rated, 2) if row.rated else None,
    }


def _problem(p: Problem) -> dict[str, Any]:
    return {
        "id": p.pk,
        "village": p.village_id,
        "village_name": p.village.name,
        "source_type": p.source_type,
        "source_id": p.source_id,
        "description": p.description,
        "category": p.category,
        "evidence_found": p.evidence_found,
        "raised_role": p.raised_role,
        "responsible": p.responsible,
        "due_date": p.due_date,
        "status": p.status,
        "status_label": p.get_status_display(),
        "progress": p.progress,
        "evidence": p.evidence,
        "closed_by": str(p.closed_by) if p.closed_by_id else "",
        "closed_at": p.closed_at,
        "created_at": p.created_at,
    }


# ---------------------------------------------------------------- staff: feedback


@router.get("/feedback", response={200: Page[FeedbackOut], **ERRORS}, summary="意见投诉列表")
def feedback_list(request: HttpRequest, filters: Query[FeedbackFilter]) -> dict[str, Any]:
    qs = selectors.feedback_list(
        actor=request.user, q=filters.q, kind=filters.kind or "", status=filters.status or "",
        region=filters.region, overdue=filters.overdue, escalated=filters.escalated,
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_out(f) for f in page["items"]]
    return page


@router.get(
    "/feedback/stats",
    response={200: list[StatOut], **ERRORS},
    summary="意见投诉统计（按村、类型、状态）",
)
def feedback_stats(request: HttpRequest, filters: Query[StatsFilter]) -> list[dict[str, Any]]:
    rows = selectors.feedback_stats(
        actor=request.user, region=filters.region, since=filters.since, until=filters.until
    )
    return [_stat(r) for r in rows]


@router.get(
    "/feedback/{int:pk}", response={200: FeedbackDetailOut, **ERRORS}, summary="意见投诉详情"
)
def feedback_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _detail(selectors.feedback_get(actor=request.user, pk=pk))


@router.post(
    "/feedback/{int:pk}/replies",
    response={201: ReplyOut, **ERRORS},
    summary="答复（或内部备注）",
)
def feedback_reply(request: HttpRequest, pk: int, body: ReplyIn) -> Status[dict[str, Any]]:
    feedback = selectors.feedback_get(actor=request.user, pk=pk)
    reply = services.feedback_reply(
        actor=request.user, feedback=feedback, text=body.text, internal=body.internal
    )
    return Status(201, _reply(reply))


@router.post(
    "/feedback/{int:pk}/resolve", response={200: FeedbackDetailOut, **ERRORS}, summary="办结"
)
def feedback_resolve(request: HttpRequest, pk: int, body: ResolveIn) -> dict[str, Any]:
    feedback = selectors.feedback_get(actor=request.user, pk=pk)
    services.feedback_resolve(actor=request.user, feedback=feedback, resolution=body.resolution)
    return _detail(selectors.feedback_get(actor=request.user, pk=pk))


@router.post(
    "/feedback/{int:pk}/close", response={200: FeedbackDetailOut, **ERRORS}, summary="关闭"
)
def feedback_close(request: HttpRequest, pk: int, body: CloseIn) -> dict[str, Any]:
    feedback = selectors.feedback_get(actor=request.user, pk=pk)
    services.feedback_close(actor=request.user, feedback=feedback, reason=body.reason)
    return _detail(selectors.feedback_get(actor=request.user, pk=pk))


# ---------------------------------------------------------------- staff: problem ledger


@router.get("/problems", response={200: Page[ProblemOut], **ERRORS}, summary="问题台账")
def problem_list(request: HttpRequest, filters: Query[ProblemFilter]) -> dict[str, Any]:
    qs = selectors.problem_list(
        actor=request.user, q=filters.q, status=filters.status or "", region=filters.region,
        source=filters.source, overdue=filters.overdue,
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_problem(p) for p in page["items"]]
    return page


class ProblemCountsOut(Schema):
    region: str
    region_name: str
    open: int
    rectifying: int
    overdue: int
    closed_on_time: int
    closed_late: int
    total: int


class ProblemStatsOut(Schema):
    villages: list[ProblemCountsOut]
    townships: list[ProblemCountsOut]


class ProblemStatsQuery(Schema):
    region: Text = Field("", max_length=12)


@router.get(
    "/problems/stats",
    response={200: ProblemStatsOut, **ERRORS},
    summary="问题台账统计",
)
def problem_stats(request: HttpRequest, query: Query[ProblemStatsQuery]) -> dict[str, Any]:
    villages, townships = selectors.problem_stats(actor=request.user, region=query.region)

    def row(c: Any) -> dict[str, Any]:
        return {"region": c.region.code, "region_name": c.region.name, "open": c.open,
                "rectifying": c.rectifying, "overdue": c.overdue,
                "closed_on_time": c.closed_on_time, "closed_late": c.closed_late,
                "total": c.total}  # fmt: skip

    return {"villages": [row(c) for c in villages], "townships": [row(c) for c in townships]}


@router.get("/problems/{int:pk}", response={200: ProblemOut, **ERRORS}, summary="问题详情")
def problem_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _problem(selectors.problem_get(actor=request.user, pk=pk))


@router.post(
    "/problems/{int:pk}/progress", response={200: ProblemOut, **ERRORS}, summary="报告整改情况"
)
def problem_progress(request: HttpRequest, pk: int, body: ProgressIn) -> dict[str, Any]:
    problem = selectors.problem_get(actor=request.user, pk=pk)
    return _problem(
        services.problem_start(actor=request.user, problem=problem, progress=body.progress)
    )


@router.post("/problems/{int:pk}/close", response={200: ProblemOut, **ERRORS}, summary="整改销号")
def problem_close(request: HttpRequest, pk: int, body: EvidenceIn) -> dict[str, Any]:
    problem = selectors.problem_get(actor=request.user, pk=pk)
    return _problem(
        services.problem_close(actor=request.user, problem=problem, evidence=body.evidence)
    )


# ---------------------------------------------------------------- public


@router.post(
    "/public/feedback",
    auth=None,
    response={201: PublicFeedbackOut, **ERRORS},
    tags=["公开栏（无需认证）"],
    summary="提出咨询、建议或投诉（可匿名）",
)
def public_submit(request: HttpRequest, body: PublicFeedbackIn) -> Status[dict[str, Any]]:
    ratelimit.hit(f"feedback:{ratelimit.client_ip(request)}", 10, 3600)
    village = Region.objects.filter(
        code=body.region, level=RegionLevel.VILLAGE, retired=False
    ).first()
    if village is None:
        raise ApplicationError("region_not_found", f"村{body.region}不存在", status=404)
    about = None
    if body.about_user is not None:
        about = selectors.village_cadres(village).filter(pk=body.about_user).first()
        if about is None:
            raise ApplicationError(
                "feedback_about_user", "所选人员不是本村干部", field="about_user"
            )
    feedback = services.feedback_submit(
        village=village, kind=body.kind, text=body.text, user=request.user, name=body.name,
        phone=body.phone, about_user=about,
    )  # fmt: skip
    return Status(201, _public(feedback))


@router.get(
    "/public/feedback/{code}",
    auth=None,
    response={200: PublicFeedbackOut, **ERRORS},
    tags=["公开栏（无需认证）"],
    summary="凭查询码查看办理情况",
)
def public_track(request: HttpRequest, code: str) -> dict[str, Any]:
    ratelimit.hit(f"feedback_track:{ratelimit.client_ip(request)}", 30, 600)
    return _public(selectors.public_feedback(code))


@router.post(
    "/public/feedback/{code}/rating",
    auth=None,
    response={200: PublicFeedbackOut, **ERRORS},
    tags=["公开栏（无需认证）"],
    summary="办结后评价满意度（匿名提出的凭查询码，登录提出的须本人）",
)
def public_rate(request: HttpRequest, code: str, body: RatingIn) -> dict[str, Any]:
    ratelimit.hit(f"feedback_track:{ratelimit.client_ip(request)}", 30, 600)
    feedback = selectors.public_feedback(code)
    services.feedback_rate(
        feedback=feedback, code=code, user=request.user, score=body.score, comment=body.comment
    )
    return _public(get_object_or_404(Feedback.objects.select_related("village"), pk=feedback.pk))
