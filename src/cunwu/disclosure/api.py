"""三务公开 over the API: notices through their life and objections for staff (scoped: a notice
outside the caller's scope is 404), and the public part without credentials (published
notices only, objections and their tracking, rate-limited per client)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from cunwu.accounts.permissions import regions_in_scope
from cunwu.api.schemas import ERRORS, Date, Page, PageParams, Text, paginate
from cunwu.core import ratelimit
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region

from . import render, renderings, selectors, services
from .models import Notice, Objection, Rendering, RenderingStatus

router = Router(tags=["三务公开"])
public_router = Router(tags=["公开栏（无需认证）"], auth=None)

CategoryName = Literal["party", "village", "finance", "benefit", "points", "monitoring", "contract"]
StatusName = Literal["draft", "pending_signoff", "published", "passed", "returned", "withdrawn"]
Unit = Literal["natural", "working"]


# ---------------------------------------------------------------- schemas


class TableIn(Schema):
    columns: list[Text] = Field(default_factory=list, max_length=20)
    rows: list[list[Text | int | float | None]] = Field(default_factory=list, max_length=5000)


class PeriodIn(Schema):
    days: int = Field(ge=0, le=services.MAX_PERIOD_DAYS, description="公示天数；0 为只公开")
    unit: Unit = "natural"
    start: Date | None = Field(None, description="开始日期（不早于今天；留空为发布之日）")


class NoticeIn(Schema):
    region: Text = Field(pattern=r"^\d{12}$", description="公开单位（村、乡镇或县）的区划代码")
    category: CategoryName
    title: Text = Field(max_length=120)
    body: str = Field("", max_length=50_000, description="正文（HTML，会被净化；号码自动遮蔽）")
    table: TableIn | None = None
    period: PeriodIn | None = None


class NoticeUpdateIn(Schema):
    category: CategoryName
    title: Text = Field(max_length=120)
    body: str = Field("", max_length=50_000)
    table: TableIn | None = None
    period: PeriodIn | None = None


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str


class NoticeOut(Schema):
    id: int
    region: str
    region_name: str
    category: str
    category_label: str
    title: str
    status: str
    status_label: str
    period_start: dt.date | None
    period_days: int
    period_unit: str
    period_end: dt.date | None
    period_warning: str
    published_at: dt.datetime | None
    content_hash: str


class NoticeDetailOut(NoticeOut):
    body: str
    table: dict[str, Any]
    attachments: list[AttachmentOut]
    signed_off_at: dt.datetime | None
    signoff_note: str
    close_note: str
    audit_hash: str


class NoticeFilter(PageParams):
    q: Text = Field("", max_length=50)
    category: CategoryName | None = None
    status: StatusName | None = None
    region: Text = Field("", max_length=12)


class SignoffIn(Schema):
    approve: bool
    note: Text = Field("", max_length=200)


class WithdrawIn(Schema):
    reason: Text = Field(max_length=200)


class ObjectionOut(Schema):
    id: int
    code: str
    submitted_at: dt.datetime
    anonymous: bool
    name: str
    phone: str = Field(description="遮蔽后的联系电话")
    text: str
    status: str
    status_label: str
    outcome: str
    handled_at: dt.datetime | None


class HandleIn(Schema):
    upheld: bool
    outcome: Text = Field(max_length=2000)


class PublicObjectionIn(Schema):
    text: Text = Field(max_length=2000)
    name: Text = Field("", max_length=50)
    phone: Text = Field("", max_length=20, description="未登录时必填，仅用于告知处理结果")


class TrackOut(Schema):
    code: str
    notice: int
    notice_title: str
    submitted_at: dt.datetime
    status: str
    status_label: str
    outcome: str
    handled_at: dt.datetime | None


class PublicFilter(PageParams):
    q: Text = Field("", max_length=50)
    category: CategoryName | None = None
    when: Literal["current", "past"] | None = None


# ---------------------------------------------------------------- helpers


def _out(notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.pk,
        "region": notice.region_id,
        "region_name": notice.region.name,
        "category": notice.category,
        "category_label": notice.get_category_display(),
        "title": notice.title,
        "status": notice.status,
        "status_label": notice.status_label,
        "period_start": notice.period_start,
        "period_days": notice.period_days,
        "period_unit": notice.period_unit,
        "period_end": notice.period_end,
        "period_warning": notice.period_warning,
        "published_at": notice.published_at,
        "content_hash": notice.content_hash,
    }


def _detail(notice: Notice) -> dict[str, Any]:
    event = notice.published_event
    return {
        **_out(notice),
        "body": notice.body,
        "table": notice.table or {},
        "attachments": [_attachment(a) for a in notice.attachments.all()],
        "signed_off_at": notice.signed_off_at,
        "signoff_note": notice.signoff_note,
        "close_note": notice.close_note,
        "audit_hash": event.hash if event else "",
    }


def _attachment(a: Any) -> dict[str, Any]:
    return {
        "id": a.pk,
        "name": a.original_name,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
    }


def _objection(o: Objection) -> dict[str, Any]:
    return {
        "id": o.pk,
        "code": o.code,
        "submitted_at": o.submitted_at,
        "anonymous": o.submitted_by_id is None,
        "name": o.name,
        "phone": o.phone_masked,
        "text": o.text,
        "status": o.status,
        "status_label": o.get_status_display(),
        "outcome": o.outcome,
        "handled_at": o.handled_at,
    }


def _period(period: PeriodIn | None) -> services.Period | None:
    if period is None or period.days == 0:
        return None
    return services.Period(days=period.days, unit=period.unit, start=period.start)


def _table(table: TableIn | None) -> dict[str, Any] | None:
    return table.model_dump() if table else None


def _region(request: HttpRequest, code: str) -> Region:
    """A region the caller may publish for; anything else is 404, as if it did not exist."""
    region = regions_in_scope(request.user, "disclosure.publish").filter(code=code).first()
    if region is None:
        raise ApplicationError("region_not_found", f"区划{code}不存在或不在您的范围内", status=404)
    return region


# ---------------------------------------------------------------- staff


@router.get("/notices", response={200: Page[NoticeOut], **ERRORS}, summary="公告列表")
def notice_list(request: HttpRequest, filters: Query[NoticeFilter]) -> dict[str, Any]:
    qs = selectors.notice_list(
        actor=request.user, q=filters.q, category=filters.category or "",
        status=filters.status or "", region=filters.region,
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_out(n) for n in page["items"]]
    return page


@router.post("/notices", response={201: NoticeDetailOut, **ERRORS}, summary="起草公告")
def notice_create(request: HttpRequest, body: NoticeIn) -> Status[dict[str, Any]]:
    notice = services.notice_create(
        actor=request.user, region=_region(request, body.region), category=body.category,
        title=body.title, body=body.body, table=_table(body.table), period=_period(body.period),
    )  # fmt: skip
    return Status(201, _detail(notice))


@router.get("/notices/{int:pk}", response={200: NoticeDetailOut, **ERRORS}, summary="公告详情")
def notice_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _detail(selectors.notice_get(actor=request.user, pk=pk))


@router.put("/notices/{int:pk}", response={200: NoticeDetailOut, **ERRORS}, summary="修改草稿")
def notice_update(request: HttpRequest, pk: int, body: NoticeUpdateIn) -> dict[str, Any]:
    notice = services.notice_update(
        actor=request.user, notice=selectors.notice_get(actor=request.user, pk=pk),
        category=body.category, title=body.title, body=body.body, table=_table(body.table),
        period=_period(body.period),
    )  # fmt: skip
    return _detail(notice)


@router.post(
    "/notices/{int:pk}/submit",
    response={200: NoticeDetailOut, **ERRORS},
    summary="发布（财务、惠民资金类为提交监委会审核）",
)
def notice_submit(request: HttpRequest, pk: int) -> dict[str, Any]:
    notice = selectors.notice_get(actor=request.user, pk=pk)
    return _detail(services.notice_submit(actor=request.user, notice=notice))


@router.post(
    "/notices/{int:pk}/signoff", response={200: NoticeDetailOut, **ERRORS}, summary="监委会审核"
)
def notice_signoff(request: HttpRequest, pk: int, body: SignoffIn) -> dict[str, Any]:
    notice = selectors.notice_get(actor=request.user, pk=pk)
    return _detail(
        services.notice_signoff(
            actor=request.user, notice=notice, approve=body.approve, note=body.note
        )
    )


@router.post(
    "/notices/{int:pk}/withdraw", response={200: NoticeDetailOut, **ERRORS}, summary="撤回公告"
)
def notice_withdraw(request: HttpRequest, pk: int, body: WithdrawIn) -> dict[str, Any]:
    notice = selectors.notice_get(actor=request.user, pk=pk)
    return _detail(services.notice_withdraw(actor=request.user, notice=notice, reason=body.reason))


@router.get(
    "/notices/{int:pk}/objections",
    response={200: list[ObjectionOut], **ERRORS},
    summary="公告的异议",
)
def notice_objections(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    notice = selectors.notice_get(actor=request.user, pk=pk)
    return [_objection(o) for o in selectors.objections_of(notice)]


@router.post(
    "/objections/{int:pk}/handle", response={200: ObjectionOut, **ERRORS}, summary="处理异议"
)
def objection_handle(request: HttpRequest, pk: int, body: HandleIn) -> dict[str, Any]:
    objection = get_object_or_404(Objection, pk=pk)
    selectors.notice_get(actor=request.user, pk=objection.notice_id)  # scope: else 404
    handled = services.objection_handle(
        actor=request.user, objection=objection, upheld=body.upheld, outcome=body.outcome
    )
    return _objection(handled)


# ---------------------------------------------------------------- public


@public_router.get(
    "/public/regions/{code}/notices",
    response={200: Page[NoticeOut], **ERRORS},
    summary="某村（乡镇）已公开的公告",
)
def public_notices(request: HttpRequest, code: str, filters: Query[PublicFilter]) -> dict[str, Any]:
    ratelimit.hit(f"public:{ratelimit.client_ip(request)}", *ratelimit.configured("public"))
    region = get_object_or_404(Region, code=code[:12])
    current = {"current": True, "past": False}.get(filters.when or "")
    qs = selectors.public_notices(
        region=region, q=filters.q, category=filters.category or "", current=current
    )
    page = paginate(qs, filters)
    page["items"] = [_out(n) for n in page["items"]]
    return page


@public_router.get(
    "/public/notices/{int:pk}", response={200: NoticeDetailOut, **ERRORS}, summary="已公开的公告"
)
def public_notice(request: HttpRequest, pk: int) -> dict[str, Any]:
    ratelimit.hit(f"public:{ratelimit.client_ip(request)}", *ratelimit.configured("public"))
    return _detail(selectors.public_notice(pk))


@public_router.post(
    "/public/notices/{int:pk}/objections",
    response={201: TrackOut, **ERRORS},
    summary="提出异议（公示期内）",
)
def public_objection(
    request: HttpRequest, pk: int, body: PublicObjectionIn
) -> Status[dict[str, Any]]:
    ratelimit.hit(f"objection:{ratelimit.client_ip(request)}", 10, 3600)
    notice = selectors.public_notice(pk)
    objection = services.objection_submit(
        notice=notice, user=request.user, name=body.name, phone=body.phone, text=body.text
    )
    return Status(201, _track(objection))


@public_router.get(
    "/public/objections/{code}", response={200: TrackOut, **ERRORS}, summary="凭查询码查看异议"
)
def public_track(request: HttpRequest, code: str) -> dict[str, Any]:
    ratelimit.hit(f"objection_track:{ratelimit.client_ip(request)}", 30, 600)
    return _track(selectors.public_objection(code))


def _track(o: Objection) -> dict[str, Any]:
    return {
        "code": o.code,
        "notice": o.notice_id,
        "notice_title": o.notice.title,
        "submitted_at": o.submitted_at,
        "status": o.status,
        "status_label": o.get_status_display(),
        "outcome": o.outcome,
        "handled_at": o.handled_at,
    }


# ---------------------------------------------------------------- print, share, broadcast

RenderingKindName = Literal["pdf_a4", "pdf_a3", "png"]


class RenderingOut(Schema):
    kind: str
    status: str = Field(description="queued / running / done / failed")
    status_label: str
    error: str
    download_url: str | None = Field(description="生成后的文件地址（生成前为 null）")


def _rendering(request: HttpRequest, rendering: Rendering) -> dict[str, Any]:
    done = rendering.status == RenderingStatus.DONE and bool(rendering.file)
    url = reverse("portal:rendering_file", args=[rendering.notice_id, rendering.kind])
    return {
        "kind": rendering.kind,
        "status": rendering.status,
        "status_label": rendering.get_status_display(),
        "error": rendering.error,
        "download_url": request.build_absolute_uri(url) if done else None,
    }


@public_router.get(
    "/public/notices/{int:pk}/broadcast",
    response=ERRORS,
    summary="广播稿（纯文本，数字和日期写成汉字）",
    openapi_extra={
        "responses": {
            "200": {
                "description": "广播稿",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        }
    },
)
def public_broadcast(request: HttpRequest, pk: int) -> HttpResponse:
    ratelimit.hit(f"broadcast:{ratelimit.client_ip(request)}", 30, 60)
    notice = selectors.public_notice(pk)
    renderings.broadcast_check(notice)
    return HttpResponse(render.broadcast_script(notice), content_type="text/plain; charset=utf-8")


@public_router.post(
    "/public/notices/{int:pk}/renderings/{kind}",
    response={200: RenderingOut, 202: RenderingOut, **ERRORS},
    summary="打印版（A4、A3）或分享图片：已生成时给出下载地址，否则排队生成（202）",
)
def public_rendering(
    request: HttpRequest, pk: int, kind: RenderingKindName
) -> Status[dict[str, Any]]:
    ratelimit.hit(f"render:{ratelimit.client_ip(request)}", 30, 60)
    notice = selectors.public_notice(pk)
    rendering = renderings.rendering_request(actor=None, notice=notice, kind=kind)
    done = rendering.status == RenderingStatus.DONE
    return Status(200 if done else 202, _rendering(request, rendering))
