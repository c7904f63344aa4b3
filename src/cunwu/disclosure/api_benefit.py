"""惠民资金 over the API: batches and payments for staff (scoped, masked: a batch outside the
caller's scope is 404), import by multipart upload, publication and reversal; and the public
query by name and the last six ID characters, without credentials and rate-limited."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.files import UploadedFile
from ninja.params.functions import File as FileParam
from ninja.params.functions import Form as FormParam
from ninja.responses import Status
from pydantic import Field

from cunwu.accounts.permissions import require
from cunwu.api.schemas import ERRORS, Page, PageParams, Text, paginate
from cunwu.core import ratelimit
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import format_fen
from cunwu.core.models import Region

from . import benefit_sheets as sheets
from . import selectors_benefit as selectors
from . import services_benefit as services
from .models import BenefitBatch, BenefitPayment
from .services import MAX_PERIOD_DAYS
from .views_benefit import NOT_FOUND, QUERY_LIMIT

router = Router(tags=["惠民资金"])


class BatchOut(Schema):
    id: int
    village: str
    village_name: str
    item: str
    file_name: str
    row_count: int
    total_fen: int
    imported_by: str
    imported_at: dt.datetime
    notice: int | None
    notice_status: str


class BenefitPaymentOut(Schema):
    id: int
    batch: int
    village: str
    village_name: str
    row: int
    name: str
    id_masked: str = Field(description="遮蔽后的身份证号（如 430423********1234）")
    item: str
    amount_fen: int
    paid_on: dt.date
    year: int
    reverses: int | None = Field(description="冲销的记录（冲销记录才有）")
    reversed: bool
    reason: str


class BatchFilter(PageParams):
    q: Text = Field("", max_length=50)
    item: Text = Field("", max_length=50)
    region: Text = Field("", max_length=12)
    year: int | None = Field(None, ge=2000, le=2100)
    published: bool | None = None


class PaymentFilter(PageParams):
    q: Text = Field("", max_length=50, description="姓名，或完整的身份证号")
    batch: int | None = Field(None, ge=1, le=2**62)
    item: Text = Field("", max_length=50)
    region: Text = Field("", max_length=12)
    year: int | None = Field(None, ge=2000, le=2100)


class BenefitPublishIn(Schema):
    period_days: int = Field(7, ge=0, le=MAX_PERIOD_DAYS, description="公示天数；0 为只公开")


class PublishOut(Schema):
    notice: int
    status: str
    status_label: str


class BenefitReverseIn(Schema):
    reason: Text = Field(max_length=200)


class QueryIn(Schema):
    name: Text = Field(max_length=50)
    id_tail: Text = Field(max_length=12, description="身份证号码后6位（最后一位可以是X）")


class QueryItemOut(Schema):
    name: str = Field(description="遮蔽后的姓名，如 张*三")
    item: str
    amount_fen: int
    amount_yuan: str
    paid_on: dt.date
    village_name: str


class QueryOut(Schema):
    count: int
    total_fen: int
    message: str
    items: list[QueryItemOut]


def _batch(b: BenefitBatch) -> dict[str, Any]:
    return {
        "id": b.pk,
        "village": b.village_id,
        "village_name": b.village.name,
        "item": b.item,
        "file_name": b.file_name,
        "row_count": b.row_count,
        "total_fen": b.total_fen,
        "imported_by": str(b.imported_by),
        "imported_at": b.imported_at,
        "notice": b.notice_id,
        "notice_status": b.notice.status if b.notice else "",
    }


def _payment(p: BenefitPayment) -> dict[str, Any]:
    return {
        "id": p.pk,
        "batch": p.batch_id,
        "village": p.village_id,
        "village_name": p.village.name,
        "row": p.row,
        "name": p.name,
        "id_masked": p.id_masked,
        "item": p.item,
        "amount_fen": p.amount_fen,
        "paid_on": p.paid_on,
        "year": p.year,
        "reverses": p.reverses_id,
        "reversed": getattr(p, "reversed_by", None) is not None,
        "reason": p.reason,
    }


@router.get("/benefits/batches", response={200: Page[BatchOut], **ERRORS}, summary="发放批次")
def batch_list(request: HttpRequest, filters: Query[BatchFilter]) -> dict[str, Any]:
    published = "" if filters.published is None else ("1" if filters.published else "0")
    qs = selectors.batch_list(
        actor=request.user, q=filters.q, item=filters.item, region=filters.region,
        year=str(filters.year or ""), published=published,
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_batch(b) for b in page["items"]]
    return page


@router.post(
    "/benefits/batches",
    response={201: BatchOut, **ERRORS},
    summary="导入发放名单（multipart：village、item、file）",
    description=(
        "表头：姓名、公民身份号码、金额（元）、发放日期，可选 补贴项目。有任何错误时不导入，"
        "返回 422，`errors` 列出每处错误的 row、column、message、value。"
    ),
)
def batch_import(
    request: HttpRequest,
    village: Annotated[str, FormParam(..., pattern=r"^\d{12}$", description="村的区划代码")],
    item: Annotated[str, FormParam(..., max_length=50, description="补贴项目")],
    file: Annotated[UploadedFile, FileParam(..., description="xlsx 或 csv")],
) -> Status[dict[str, Any]]:
    region = Region.objects.filter(code=village).first()
    if region is None:
        raise ApplicationError("region_not_found", f"村{village}不存在", status=404)
    require(request.user, "disclosure.publish", region)
    if (file.size or 0) > sheets.MAX_UPLOAD_BYTES:
        raise ApplicationError("import_too_big", "文件不能超过8MB", field="file")
    result = services.benefit_import(
        actor=request.user, village=region, item=item, file_name=file.name or "",
        data=file.read(),
    )  # fmt: skip
    if result.batch is None:
        errors = [
            {"row": r, "column": c, "message": m, "value": v} for r, c, m, v in result.errors[:1000]
        ]
        first = sheets.describe(result.errors[0])
        return Status(422, {
            "code": "benefit_rows",
            "message": f"共{len(result.errors)}处错误，未导入任何记录：{first}",
            "field": "file",
            "errors": errors,
        })  # fmt: skip
    return Status(201, _batch(selectors.batch_get(actor=request.user, pk=result.batch.pk)))


@router.get(
    "/benefits/batches/{int:pk}", response={200: BatchOut, **ERRORS}, summary="发放批次详情"
)
def batch_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _batch(selectors.batch_get(actor=request.user, pk=pk))


@router.post(
    "/benefits/batches/{int:pk}/publish",
    response={201: PublishOut, **ERRORS},
    summary="提交公示（惠民资金公告，经监委会审核后公开）",
)
def batch_publish(request: HttpRequest, pk: int, body: BenefitPublishIn) -> Status[dict[str, Any]]:
    batch = selectors.batch_get(actor=request.user, pk=pk)
    notice = services.benefit_publish(actor=request.user, batch=batch, period_days=body.period_days)
    return Status(
        201, {"notice": notice.pk, "status": notice.status, "status_label": notice.status_label}
    )


@router.get(
    "/benefits/payments",
    response={200: Page[BenefitPaymentOut], **ERRORS},
    summary="发放记录（身份证号遮蔽）",
)
def payment_list(request: HttpRequest, filters: Query[PaymentFilter]) -> dict[str, Any]:
    qs = selectors.payment_list(
        actor=request.user, q=filters.q, batch=str(filters.batch or ""), item=filters.item,
        region=filters.region, year=str(filters.year or ""),
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_payment(p) for p in page["items"]]
    return page


@router.post(
    "/benefits/payments/{int:pk}/reverse",
    response={201: BenefitPaymentOut, **ERRORS},
    summary="冲销一条发放记录（登记负数记录，原记录不变）",
)
def payment_reverse(
    request: HttpRequest, pk: int, body: BenefitReverseIn
) -> Status[dict[str, Any]]:
    payment = selectors.payment_get(actor=request.user, pk=pk)
    reversal = services.benefit_reverse(actor=request.user, payment=payment, reason=body.reason)
    return Status(201, _payment(selectors.payment_get(actor=request.user, pk=reversal.pk)))


@router.post(
    "/public/benefits/query",
    auth=None,
    response={200: QueryOut, **ERRORS},
    tags=["公开栏（无需认证）"],
    summary="惠民资金查询：姓名 + 身份证号码后6位",
)
def public_query(request: HttpRequest, body: QueryIn) -> dict[str, Any]:
    ratelimit.hit(f"benefit_query:{ratelimit.client_ip(request)}", *QUERY_LIMIT)
    rows = selectors.public_query(name=body.name, id_tail=body.id_tail)
    masked = services.mask_name(rows[0].name) if rows else ""
    total = sum(p.amount_fen for p in rows)
    return {
        "count": len(rows),
        "total_fen": total,
        "message": f"共{len(rows)}笔，合计{format_fen(total)}元" if rows else NOT_FOUND,
        "items": [
            {
                "name": masked,
                "item": p.item,
                "amount_fen": p.amount_fen,
                "amount_yuan": format_fen(p.amount_fen),
                "paid_on": p.paid_on,
                "village_name": p.village.name,
            }
            for p in rows
        ],
    }
