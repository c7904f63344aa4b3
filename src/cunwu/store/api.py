"""The store (爱心超市) over the API, under /store: goods, stock movements (receive, write off,
stocktake), redemptions (once per idempotency key, in the body or the ``Idempotency-Key``
header) and their same-day cancellation, the monthly report. Scoped like the pages: what lies
outside the caller's villages is 404. Goods carry points only, never a money price; a donation's
declared value (分) shows only in the movements, for the books."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from cunwu.api.schemas import ERRORS, Date, Page, PageParams, Text, paginate
from cunwu.core.errors import ApplicationError

from . import selectors, services
from .models import Goods, Redemption, StockMovement

router = Router(tags=["爱心超市"])

MAX_ID = 2**62
KindName = Literal["donation", "purchase", "redemption", "cancel", "write_off", "stocktake"]
StatusName = Literal["done", "cancelled"]


# ---------------------------------------------------------------- schemas


class GoodsOut(Schema):
    id: int
    village: str
    village_name: str
    name: str
    points_price: int = Field(description="兑换所需积分（每单位）")
    unit: str
    stock: int
    active: bool
    photo: str = Field(description="图片地址（无则为空）")


class GoodsFilter(PageParams):
    q: Text = Field("", max_length=50)
    region: Text = Field("", max_length=12)
    active: bool | None = None


class GoodsIn(Schema):
    village: Text = Field(pattern=r"^\d{12}$", description="村的区划代码")
    name: Text = Field(max_length=60)
    points_price: int = Field(ge=1, le=services.MAX_PRICE)
    unit: Text = Field("件", max_length=10)
    active: bool = True


class GoodsPatch(Schema):
    name: Text | None = Field(None, max_length=60)
    points_price: int | None = Field(None, ge=1, le=services.MAX_PRICE)
    unit: Text | None = Field(None, max_length=10)
    active: bool | None = None


class MovementOut(Schema):
    id: int
    goods: int
    goods_name: str
    village: str
    kind: str
    kind_label: str
    quantity: int = Field(description="入库为正，出库为负")
    date: dt.date
    donor: str
    declared_value_fen: int | None = Field(description="捐赠物品申报价值（分），仅记账")
    reason: str
    redemption: int | None
    actor: str
    created_at: dt.datetime


class MovementFilter(PageParams):
    goods: int | None = Field(None, ge=1, le=MAX_ID)
    kind: KindName | None = None
    since: Date | None = None
    until: Date | None = None
    region: Text = Field("", max_length=12)


class ReceiveIn(Schema):
    kind: Literal["donation", "purchase"]
    quantity: int = Field(ge=1, le=services.MAX_QUANTITY)
    donor: Text = Field("", max_length=100, description="捐赠方（捐赠必填）或供货方")
    declared_value: Text | None = Field(None, max_length=20, description="申报价值（元），如 12.50")
    reason: Text = Field("", max_length=200)


class WriteOffIn(Schema):
    quantity: int = Field(ge=1, le=services.MAX_QUANTITY)
    reason: Text = Field(max_length=200)


class CountIn(Schema):
    goods: int = Field(ge=1, le=MAX_ID)
    counted: int = Field(ge=0, le=10**7)


class StocktakeIn(Schema):
    village: Text = Field(pattern=r"^\d{12}$", description="村的区划代码")
    counts: list[CountIn] = Field(min_length=1, max_length=1000)
    reason: Text = Field("", max_length=200)


class LineIn(Schema):
    goods: int = Field(ge=1, le=MAX_ID)
    quantity: int = Field(ge=1, le=services.MAX_QUANTITY)


class RedemptionIn(Schema):
    household: int = Field(ge=1, le=MAX_ID, description="户的编号（id）")
    lines: list[LineIn] = Field(min_length=1, max_length=services.MAX_LINES)
    idempotency_key: Text | None = Field(
        None, max_length=services.MAX_KEY,
        description="开单时生成的唯一键（也可用请求头 Idempotency-Key）：重复提交只兑换一次",
    )  # fmt: skip


class LineOut(Schema):
    goods: int
    goods_name: str
    unit: str
    quantity: int
    unit_points: int
    points: int


class RedemptionOut(Schema):
    id: int
    number: str
    village: str
    household: int
    household_number: str
    total_points: int
    status: str
    status_label: str
    created_at: dt.datetime
    created_by: str
    cancelled_at: dt.datetime | None
    cancel_reason: str
    lines: list[LineOut]


class RedemptionFilter(PageParams):
    q: Text = Field("", max_length=50, description="户编号、成员姓名、身份证号后几位或单号")
    since: Date | None = None
    until: Date | None = None
    status: StatusName | None = None
    region: Text = Field("", max_length=12)
    household: int | None = Field(None, ge=1, le=MAX_ID)


class CancelIn(Schema):
    reason: Text = Field(max_length=200)


class ReportQuery(Schema):
    village: Text = Field(pattern=r"^\d{12}$", description="村的区划代码")
    year: int = Field(ge=2000, le=2100)
    month: int = Field(ge=1, le=12)


class ReportGoodsOut(Schema):
    goods: int
    name: str
    unit: str
    opening: int
    donation: int
    purchase: int
    cancel: int
    stocktake_gain: int
    redemption: int
    write_off: int
    stocktake_loss: int
    closing: int


class ReportHouseholdOut(Schema):
    household: int
    number: str
    head: str
    redemptions: int
    points: int


class ReportOut(Schema):
    village: str
    year: int
    month: int
    goods: list[ReportGoodsOut]
    households: list[ReportHouseholdOut]
    redemptions: int
    points: int


class NoticeRef(Schema):
    id: int
    title: str
    status: str


# ---------------------------------------------------------------- helpers


def _goods(g: Goods) -> dict[str, Any]:
    return {
        "id": g.pk, "village": g.village_id, "village_name": g.village.name, "name": g.name,
        "points_price": g.points_price, "unit": g.unit, "stock": g.stock, "active": g.active,
        "photo": g.photo.url if g.photo else "",
    }  # fmt: skip


def _movement(m: StockMovement) -> dict[str, Any]:
    return {
        "id": m.pk, "goods": m.goods_id, "goods_name": m.goods.name, "village": m.village_id,
        "kind": m.kind, "kind_label": m.get_kind_display(), "quantity": m.quantity,
        "date": m.date, "donor": m.donor, "declared_value_fen": m.declared_value_fen,
        "reason": m.reason, "redemption": m.redemption_id, "actor": str(m.actor or ""),
        "created_at": m.created_at,
    }  # fmt: skip


def _redemption(r: Redemption) -> dict[str, Any]:
    return {
        "id": r.pk, "number": r.number, "village": r.village_id, "household": r.household_id,
        "household_number": r.household.number, "total_points": r.total_points,
        "status": r.status, "status_label": r.get_status_display(), "created_at": r.created_at,
        "created_by": str(r.created_by), "cancelled_at": r.cancelled_at,
        "cancel_reason": r.cancel_reason,
        "lines": [
            {"goods": li.goods_id, "goods_name": li.goods.name, "unit": li.goods.unit,
             "quantity": li.quantity, "unit_points": li.unit_points, "points": li.points}
            for li in r.lines.all()
        ],
    }  # fmt: skip


def _movements_of(qs: Any) -> list[dict[str, Any]]:
    return [_movement(m) for m in qs]


# ---------------------------------------------------------------- goods


@router.get("/goods", response={200: Page[GoodsOut], **ERRORS}, summary="商品列表")
def goods_list(request: HttpRequest, filters: Query[GoodsFilter]) -> dict[str, Any]:
    qs = selectors.goods_list(
        actor=request.user, q=filters.q, region=filters.region, active=filters.active
    )
    page = paginate(qs, filters)
    page["items"] = [_goods(g) for g in page["items"]]
    return page


@router.post("/goods", response={201: GoodsOut, **ERRORS}, summary="添加商品")
def goods_create(request: HttpRequest, body: GoodsIn) -> Status[dict[str, Any]]:
    village = selectors.village_get(actor=request.user, code=body.village)
    goods = services.goods_create(
        actor=request.user, village=village, name=body.name, points_price=body.points_price,
        unit=body.unit, active=body.active,
    )  # fmt: skip
    return Status(201, _goods(selectors.goods_get(actor=request.user, pk=goods.pk)))


@router.get("/goods/{int:pk}", response={200: GoodsOut, **ERRORS}, summary="商品详情")
def goods_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _goods(selectors.goods_get(actor=request.user, pk=pk))


@router.patch("/goods/{int:pk}", response={200: GoodsOut, **ERRORS}, summary="修改商品")
def goods_update(request: HttpRequest, pk: int, body: GoodsPatch) -> dict[str, Any]:
    goods = selectors.goods_get(actor=request.user, pk=pk)
    services.goods_update(
        actor=request.user, goods=goods, name=body.name, points_price=body.points_price,
        unit=body.unit, active=body.active,
    )  # fmt: skip
    return _goods(selectors.goods_get(actor=request.user, pk=pk))


# ---------------------------------------------------------------- stock


@router.get("/movements", response={200: Page[MovementOut], **ERRORS}, summary="库存变动")
def movement_list(request: HttpRequest, filters: Query[MovementFilter]) -> dict[str, Any]:
    qs = selectors.movement_list(
        actor=request.user, goods=filters.goods, kind=filters.kind or "", since=filters.since,
        until=filters.until, region=filters.region,
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = _movements_of(page["items"])
    return page


def _one_movement(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _movement(selectors.movement_list(actor=request.user).get(pk=pk))


@router.post(
    "/goods/{int:pk}/receive", response={201: MovementOut, **ERRORS}, summary="入库（捐赠、采购）"
)
def goods_receive(request: HttpRequest, pk: int, body: ReceiveIn) -> Status[dict[str, Any]]:
    goods = selectors.goods_get(actor=request.user, pk=pk)
    movement = services.stock_receive(
        actor=request.user, goods=goods, kind=body.kind, quantity=body.quantity,
        donor=body.donor, declared_value=body.declared_value, reason=body.reason,
    )  # fmt: skip
    return Status(201, _one_movement(request, movement.pk))


@router.post("/goods/{int:pk}/write-off", response={201: MovementOut, **ERRORS}, summary="报损")
def goods_write_off(request: HttpRequest, pk: int, body: WriteOffIn) -> Status[dict[str, Any]]:
    goods = selectors.goods_get(actor=request.user, pk=pk)
    movement = services.stock_write_off(
        actor=request.user, goods=goods, quantity=body.quantity, reason=body.reason
    )
    return Status(201, _one_movement(request, movement.pk))


@router.post(
    "/stocktake",
    response={200: list[MovementOut], **ERRORS},
    summary="盘点（返回有差异的库存变动）",
)
def stocktake(request: HttpRequest, body: StocktakeIn) -> list[dict[str, Any]]:
    village = selectors.village_get(actor=request.user, code=body.village)
    ids = {c.goods for c in body.counts}
    goods = Goods.objects.in_bulk([i for i in ids if i], field_name="pk")
    counts = []
    for c in body.counts:
        g = goods.get(c.goods)
        if g is None or g.village_id != village.code:
            raise ApplicationError("goods_unknown", "商品不存在或不属于本村", field="counts")
        counts.append((g, c.counted))
    moved = services.stocktake(
        actor=request.user, village=village, counts=counts, reason=body.reason
    )
    return _movements_of(
        selectors.movement_list(actor=request.user).filter(pk__in=[m.pk for m in moved])
    )


# ---------------------------------------------------------------- redemptions


def _redemption_of(request: HttpRequest, pk: int) -> dict[str, Any]:
    redemption = selectors.redemption_get(actor=request.user, pk=pk)
    return _redemption(
        Redemption.objects.select_related("household", "created_by")
        .prefetch_related("lines__goods")
        .get(pk=redemption.pk)
    )


@router.get("/redemptions", response={200: Page[RedemptionOut], **ERRORS}, summary="兑换记录")
def redemption_list(request: HttpRequest, filters: Query[RedemptionFilter]) -> dict[str, Any]:
    qs = selectors.redemption_list(
        actor=request.user, q=filters.q, since=filters.since, until=filters.until,
        status=filters.status or "", region=filters.region, household=filters.household,
    ).prefetch_related("lines__goods")  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_redemption(r) for r in page["items"]]
    return page


@router.post(
    "/redemptions",
    response={201: RedemptionOut, **ERRORS},
    summary="兑换（同一幂等键只兑换一次，重复提交返回原兑换单）",
)
def redemption_create(request: HttpRequest, body: RedemptionIn) -> Status[dict[str, Any]]:
    household = selectors.counter_household(actor=request.user, pk=body.household)
    key = body.idempotency_key or request.headers.get("Idempotency-Key", "")
    redemption = services.redemption_create(
        actor=request.user, household=household,
        lines=[(line.goods, line.quantity) for line in body.lines], idempotency_key=key,
    )  # fmt: skip
    return Status(201, _redemption_of(request, redemption.pk))


@router.get("/redemptions/{int:pk}", response={200: RedemptionOut, **ERRORS}, summary="兑换单")
def redemption_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _redemption_of(request, pk)


@router.post(
    "/redemptions/{int:pk}/cancel",
    response={200: RedemptionOut, **ERRORS},
    summary="撤销兑换（仅限当天，商品和积分退回）",
)
def redemption_cancel(request: HttpRequest, pk: int, body: CancelIn) -> dict[str, Any]:
    redemption = selectors.redemption_get(actor=request.user, pk=pk)
    services.redemption_cancel(actor=request.user, redemption=redemption, reason=body.reason)
    return _redemption_of(request, pk)


# ---------------------------------------------------------------- report


@router.get("/report", response={200: ReportOut, **ERRORS}, summary="月度收支")
def report(request: HttpRequest, query: Query[ReportQuery]) -> dict[str, Any]:
    village = selectors.village_get(actor=request.user, code=query.village)
    data = selectors.monthly_report(village=village, year=query.year, month=query.month)
    return {
        "village": village.code, "year": query.year, "month": query.month,
        "goods": [
            {"goods": r.goods.pk, "name": r.goods.name, "unit": r.goods.unit,
             "opening": r.opening, "donation": r.donation, "purchase": r.purchase,
             "cancel": r.cancel, "stocktake_gain": r.stocktake_gain,
             "redemption": r.redemption, "write_off": r.write_off,
             "stocktake_loss": r.stocktake_loss, "closing": r.closing}
            for r in data.goods
        ],
        "households": [
            {"household": h.household_id, "number": h.number, "head": h.head,
             "redemptions": h.redemptions, "points": h.points}
            for h in data.households
        ],
        "redemptions": data.redemption_count, "points": data.points_total,
    }  # fmt: skip


@router.post("/report/publish", response={201: NoticeRef, **ERRORS}, summary="公示月度收支")
def report_publish(request: HttpRequest, body: ReportQuery) -> Status[dict[str, Any]]:
    village = selectors.village_get(actor=request.user, code=body.village)
    notice = services.report_publish(
        actor=request.user, village=village, year=body.year, month=body.month
    )
    return Status(201, {"id": notice.pk, "title": notice.title, "status": notice.status})
