"""三资 over the API (registers); mounted under /api/v1/assets by assets/api.py.

Register entries with their files and disposal, and the yearly inventory (清产核资): start,
lines, count, surplus, reconcile, close, publish. Amounts go in as 元 text (``"12000.50"``) and
come out as 分 integers; what lies outside the caller's villages is 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.files import UploadedFile
from ninja.params.functions import File as FileParam
from ninja.responses import Status
from pydantic import Field

from cunwu.api.schemas import ERRORS, Date, Page, PageParams, Text, paginate
from cunwu.core.errors import ApplicationError
from cunwu.disclosure.content import MAX_ATTACHMENT_BYTES

from . import sheets_registers as sheets
from .models import Asset, AssetFile, InventoryCampaign, InventoryLine
from .selectors import registers as selectors
from .services import registers as services

router = Router(tags=["三资"])

MAX_ID = 2**62
ClassName = Literal["funds", "asset", "resource"]
CategoryName = Literal[
    "investment", "building", "machinery", "water_works", "road", "trees", "other_asset",
    "farmland", "forest_land", "grassland", "water_surface", "construction_land",
    "idle_homestead", "idle_house", "other_resource",
]  # fmt: skip
StatusName = Literal["self_operated", "leased", "idle", "occupied", "disposed"]
LiveStatus = Literal["self_operated", "leased", "idle", "occupied"]
CountStatus = Literal["", "self_operated", "leased", "idle", "occupied"]
ResultName = Literal["pending", "match", "different", "missing", "surplus"]
Amount = Text


# ---------------------------------------------------------------- schemas


class AssetOut(Schema):
    id: int
    village: str
    village_name: str
    number: str
    asset_class: str
    category: str
    category_label: str
    name: str
    location: str
    quantity: str = Field(description="面积或数量（两位小数）")
    unit: str
    original_value_fen: int
    book_value_fen: int
    reference_price_fen: int | None
    acquired_on: dt.date | None
    source: str
    status: str
    status_label: str
    note: str
    created_at: dt.datetime


class AssetFilter(PageParams):
    q: Text = Field("", max_length=50, description="台账编号、名称或坐落位置")
    region: Text = Field("", max_length=12, description="区划代码前缀（村、镇、县）")
    asset_class: ClassName | None = None
    category: CategoryName | None = None
    status: StatusName | None = None


class AssetIn(Schema):
    village: Text = Field(pattern=r"^\d{12}$", description="村的区划代码")
    number: Text = Field("", max_length=20, description="台账编号（留空自动编号，如 ZC-0001）")
    category: CategoryName
    name: Text = Field(max_length=60)
    location: Text = Field("", max_length=200)
    quantity: Text = Field(max_length=20, description="面积或数量，至多两位小数")
    unit: Text = Field(max_length=10)
    original_value: Amount = Field("0", max_length=20, description="原值（元）")
    book_value: Amount | None = Field(None, max_length=20, description="账面价值（元），默认同原值")
    reference_price: Amount | None = Field(None, max_length=20, description="参考年租金（元）")
    acquired_on: Date | None = None
    source: Text = Field("", max_length=100)
    status: LiveStatus = "self_operated"
    note: Text = Field("", max_length=2000)


class AssetPatch(Schema):
    number: Text | None = Field(None, max_length=20)
    category: CategoryName | None = None
    name: Text | None = Field(None, max_length=60)
    location: Text | None = Field(None, max_length=200)
    quantity: Text | None = Field(None, max_length=20)
    unit: Text | None = Field(None, max_length=10)
    original_value: Amount | None = Field(None, max_length=20)
    book_value: Amount | None = Field(None, max_length=20)
    reference_price: Amount | None = Field(None, max_length=20, description="空字符串为清除")
    acquired_on: Date | None = None
    source: Text | None = Field(None, max_length=100)
    status: LiveStatus | None = None
    note: Text | None = Field(None, max_length=2000)


class AssetFileOut(Schema):
    id: int
    kind: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: dt.datetime


class DisposeIn(Schema):
    kind: Literal["sale", "transfer", "write_off"]
    date: Date
    decision: int | None = Field(None, ge=1, le=MAX_ID, description="四议两公开事项的编号")
    proceeds: Amount = Field("0", max_length=20, description="处置收入（元）")
    counterparty: Text = Field("", max_length=100)
    note: Text = Field("", max_length=2000)


class DisposalOut(Schema):
    asset: int
    kind: str
    kind_label: str
    date: dt.date
    decision: int
    proceeds_fen: int
    counterparty: str
    book_value_fen: int
    note: str


class CampaignOut(Schema):
    id: int
    village: str
    village_name: str
    year: int
    title: str
    status: str
    lines: int
    counted: int
    open_differences: int
    summary: dict[str, Any]
    notice: int | None
    started_at: dt.datetime
    closed_at: dt.datetime | None


class CampaignFilter(PageParams):
    region: Text = Field("", max_length=12)
    year: int | None = Field(None, ge=2000, le=2100)
    status: Literal["counting", "closed"] | None = None


class StartIn(Schema):
    village: Text = Field(pattern=r"^\d{12}$", description="村的区划代码")
    year: int = Field(ge=2000, le=2100)


class InventoryLineOut(Schema):
    id: int
    campaign: int
    asset: int | None
    asset_number: str
    category: str
    name: str
    unit: str
    expected_quantity: str | None
    expected_status: str
    counted_quantity: str | None
    counted_status: str
    result: str
    result_label: str
    note: str
    counted_at: dt.datetime | None
    resolution: str
    adjusted: bool
    reconciled_at: dt.datetime | None


class LineFilter(PageParams):
    result: ResultName | None = None
    q: Text = Field("", max_length=50)


class InventoryCountIn(Schema):
    counted_quantity: Text = Field(max_length=20, description="实盘数量；未找到填0")
    counted_status: CountStatus = Field(description="实际状态；未找到为空字符串")
    note: Text = Field("", max_length=500)


class SurplusIn(Schema):
    category: CategoryName
    name: Text = Field(max_length=60)
    unit: Text = Field(max_length=10)
    counted_quantity: Text = Field(max_length=20)
    counted_status: LiveStatus
    note: Text = Field("", max_length=500)


class ReconcileIn(Schema):
    resolution: Text = Field(max_length=1000)
    adjust: bool = Field(description="按实盘结果调整台账（盘盈则新增台账）")


class RegisterNoticeRef(Schema):
    id: int
    title: str
    status: str


# ---------------------------------------------------------------- helpers


def _asset(a: Asset) -> dict[str, Any]:
    return {
        "id": a.pk, "village": a.village_id, "village_name": a.village.name, "number": a.number,
        "asset_class": a.asset_class, "category": a.category,
        "category_label": a.get_category_display(), "name": a.name, "location": a.location,
        "quantity": str(a.quantity), "unit": a.unit, "original_value_fen": a.original_value_fen,
        "book_value_fen": a.book_value_fen, "reference_price_fen": a.reference_price_fen,
        "acquired_on": a.acquired_on, "source": a.source, "status": a.status,
        "status_label": a.get_status_display(), "note": a.note, "created_at": a.created_at,
    }  # fmt: skip


def _file(f: AssetFile) -> dict[str, Any]:
    return {
        "id": f.pk, "kind": f.kind, "original_name": f.original_name,
        "content_type": f.content_type, "size": f.size, "sha256": f.sha256,
        "uploaded_by": str(f.uploaded_by), "uploaded_at": f.uploaded_at,
    }  # fmt: skip


def _campaign(c: InventoryCampaign) -> dict[str, Any]:
    progress = {k: getattr(c, k, 0) for k in ("line_count", "counted_count", "open_count")}
    return {
        "id": c.pk, "village": c.village_id, "village_name": c.village.name, "year": c.year,
        "title": c.title, "status": c.status, "lines": progress["line_count"],
        "counted": progress["counted_count"], "open_differences": progress["open_count"],
        "summary": c.summary, "notice": c.notice_id, "started_at": c.started_at,
        "closed_at": c.closed_at,
    }  # fmt: skip


def _line(li: InventoryLine) -> dict[str, Any]:
    def num(v: Any) -> str | None:
        return None if v is None else str(v)

    return {
        "id": li.pk, "campaign": li.campaign_id, "asset": li.asset_id,
        "asset_number": li.asset.number if li.asset else "", "category": li.category,
        "name": li.name, "unit": li.unit, "expected_quantity": num(li.expected_quantity),
        "expected_status": li.expected_status, "counted_quantity": num(li.counted_quantity),
        "counted_status": li.counted_status, "result": li.result,
        "result_label": li.get_result_display(), "note": li.note, "counted_at": li.counted_at,
        "resolution": li.resolution, "adjusted": li.adjusted, "reconciled_at": li.reconciled_at,
    }  # fmt: skip


def _one_asset(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _asset(selectors.asset_get(actor=request.user, pk=pk))


def _one_line(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _line(selectors.line_get(actor=request.user, pk=pk))


# ---------------------------------------------------------------- register


@router.get("/registers", response={200: Page[AssetOut], **ERRORS}, summary="资产资源台账")
def asset_list(request: HttpRequest, filters: Query[AssetFilter]) -> dict[str, Any]:
    qs = selectors.asset_list(
        actor=request.user, q=filters.q, region=filters.region,
        asset_class=filters.asset_class or "", category=filters.category or "",
        status=filters.status or "",
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_asset(a) for a in page["items"]]
    return page


@router.post("/registers", response={201: AssetOut, **ERRORS}, summary="登记资产资源")
def asset_create(request: HttpRequest, body: AssetIn) -> Status[dict[str, Any]]:
    village = selectors.village_get(actor=request.user, code=body.village)
    asset = services.asset_create(
        actor=request.user, village=village,
        data=services.AssetData(
            category=body.category, name=body.name, quantity=body.quantity, unit=body.unit,
            number=body.number, location=body.location, original_value=body.original_value,
            book_value=body.book_value, reference_price=body.reference_price,
            acquired_on=body.acquired_on, source=body.source, status=body.status,
            note=body.note,
        ),
    )  # fmt: skip
    return Status(201, _one_asset(request, asset.pk))


class ImportParams(Schema):
    village: Text = Field(pattern=r"^\d{12}$", description="村的区划代码")
    dry_run: bool = Field(False, description="true：只校验不导入")


class ImportCategoryOut(Schema):
    category: str
    label: str
    count: int
    book_value_fen: int


class ImportOut(Schema):
    village: str
    dry_run: bool
    imported: bool
    count: int = Field(description="台账条数")
    original_value_fen: int
    book_value_fen: int
    categories: list[ImportCategoryOut]
    numbers: list[str] = Field(description="各条台账的编号（按行序）")


@router.post(
    "/registers/import",
    response={200: ImportOut, 201: ImportOut, **ERRORS},
    summary="导入资产资源台账（multipart：file）",
    description=(
        "表头按导入模板：台账编号、类别、名称、坐落位置、面积或数量、单位、原值（元）、"
        "账面价值（元）、参考年租金（元）、取得日期、取得方式、使用状态、备注。"
        "`dry_run=true` 只校验（200），否则导入（201）。有任何错误时不导入，返回 422，"
        "`errors` 列出每处错误的 row、column、message、value。"
    ),
)
def asset_import(
    request: HttpRequest,
    params: Query[ImportParams],
    file: Annotated[UploadedFile, FileParam(..., description="xlsx 或 csv（UTF-8 或 GBK）")],
) -> Status[dict[str, Any]]:
    village = selectors.village_get(actor=request.user, code=params.village)
    if (file.size or 0) > sheets.MAX_UPLOAD_BYTES:
        raise ApplicationError("import_too_big", "文件不能超过8MB", field="file")
    result = services.assets_import(
        actor=request.user, village=village, file_name=file.name or "", data=file.read(),
        dry_run=params.dry_run,
    )  # fmt: skip
    if not result.ok:
        errors = [
            {"row": r, "column": c, "message": m, "value": v} for r, c, m, v in result.errors[:1000]
        ]
        first = sheets.describe(result.errors[0])
        return Status(422, {
            "code": "assets_import_rows",
            "message": f"共{len(result.errors)}处错误，未导入任何台账：{first}",
            "field": "file",
            "errors": errors,
        })  # fmt: skip
    body = {
        "village": village.code, "dry_run": params.dry_run, "imported": result.imported,
        "count": result.count, "original_value_fen": result.original_value_fen,
        "book_value_fen": result.book_value_fen, "categories": result.categories(),
        "numbers": [li.number for li in result.lines],
    }  # fmt: skip
    return Status(201 if result.imported else 200, body)


@router.get("/registers/{int:pk}", response={200: AssetOut, **ERRORS}, summary="台账详情")
def asset_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _one_asset(request, pk)


@router.patch("/registers/{int:pk}", response={200: AssetOut, **ERRORS}, summary="修改台账")
def asset_update(request: HttpRequest, pk: int, body: AssetPatch) -> dict[str, Any]:
    asset = selectors.asset_get(actor=request.user, pk=pk)
    changes = body.model_dump(exclude_unset=True)
    # null leaves a field as it is, except the reference rent, which "" or null clears
    changes = {k: v for k, v in changes.items() if v is not None or k == "reference_price"}
    if changes.get("reference_price") == "":
        changes["reference_price"] = None
    services.asset_update(actor=request.user, asset=asset, changes=changes)
    return _one_asset(request, pk)


@router.get(
    "/registers/{int:pk}/files", response={200: list[AssetFileOut], **ERRORS}, summary="台账附件"
)
def asset_file_list(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    asset = selectors.asset_get(actor=request.user, pk=pk)
    return [_file(f) for f in selectors.asset_files(asset)]


class AssetFileParams(Schema):
    kind: Literal["photo", "document"] = "photo"


@router.post(
    "/registers/{int:pk}/files",
    response={201: AssetFileOut, **ERRORS},
    summary="上传台账附件（multipart：file；kind=photo 照片或 document 文件）",
    description=(
        "照片为 PNG 或 JPEG，文件另可为 PDF，单个不超过10MB，每条台账至多10个；附件只增不换。"
    ),
)
def asset_file_upload(
    request: HttpRequest,
    pk: int,
    params: Query[AssetFileParams],
    file: Annotated[UploadedFile, FileParam(..., description="PNG、JPEG 或 PDF")],
) -> Status[dict[str, Any]]:
    asset = selectors.asset_get(actor=request.user, pk=pk)
    if (file.size or 0) > MAX_ATTACHMENT_BYTES:
        raise ApplicationError("file_too_big", "附件不能超过10MB", field="file")
    upload = (file.name or "附件", file.read())
    record = services.asset_file_add(
        actor=request.user, asset=asset, kind=params.kind, upload=upload
    )
    return Status(201, _file(record))


@router.post(
    "/registers/{int:pk}/dispose",
    response={201: DisposalOut, **ERRORS},
    summary="资产处置（须经已通过决议的四议两公开）",
)
def asset_dispose(request: HttpRequest, pk: int, body: DisposeIn) -> Status[dict[str, Any]]:
    asset = selectors.asset_get(actor=request.user, pk=pk)
    d = services.asset_dispose(
        actor=request.user, asset=asset, kind=body.kind, date=body.date,
        decision=selectors.decision_for(asset=asset, pk=body.decision), proceeds=body.proceeds,
        counterparty=body.counterparty, note=body.note,
    )  # fmt: skip
    return Status(201, {
        "asset": d.asset_id, "kind": d.kind, "kind_label": d.get_kind_display(), "date": d.date,
        "decision": d.decision_id, "proceeds_fen": d.proceeds_fen,
        "counterparty": d.counterparty, "book_value_fen": d.book_value_fen, "note": d.note,
    })  # fmt: skip


# ---------------------------------------------------------------- inventory


@router.get("/inventories", response={200: Page[CampaignOut], **ERRORS}, summary="清产核资")
def campaign_list(request: HttpRequest, filters: Query[CampaignFilter]) -> dict[str, Any]:
    qs = selectors.campaign_list(
        actor=request.user, region=filters.region, year=filters.year,
        status=filters.status or "",
    )  # fmt: skip
    page = paginate(qs, filters)
    page["items"] = [_campaign(c) for c in page["items"]]
    return page


@router.post("/inventories", response={201: CampaignOut, **ERRORS}, summary="开始清产核资")
def campaign_start(request: HttpRequest, body: StartIn) -> Status[dict[str, Any]]:
    village = selectors.village_get(actor=request.user, code=body.village)
    campaign = services.inventory_start(actor=request.user, village=village, year=body.year)
    return Status(201, _campaign(selectors.campaign_get(actor=request.user, pk=campaign.pk)))


@router.get("/inventories/{int:pk}", response={200: CampaignOut, **ERRORS}, summary="清产核资详情")
def campaign_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _campaign(selectors.campaign_get(actor=request.user, pk=pk))


@router.get(
    "/inventories/{int:pk}/lines",
    response={200: Page[InventoryLineOut], **ERRORS},
    summary="盘点明细",
)
def line_list(request: HttpRequest, pk: int, filters: Query[LineFilter]) -> dict[str, Any]:
    campaign = selectors.campaign_get(actor=request.user, pk=pk)
    qs = selectors.line_list(campaign=campaign, result=filters.result or "", q=filters.q)
    page = paginate(qs, filters)
    page["items"] = [_line(li) for li in page["items"]]
    return page


@router.post(
    "/inventories/{int:pk}/surplus", response={201: InventoryLineOut, **ERRORS}, summary="登记盘盈"
)
def surplus_add(request: HttpRequest, pk: int, body: SurplusIn) -> Status[dict[str, Any]]:
    campaign = selectors.campaign_get(actor=request.user, pk=pk)
    line = services.inventory_add_surplus(
        actor=request.user, campaign=campaign, category=body.category, name=body.name,
        unit=body.unit, counted_quantity=body.counted_quantity,
        counted_status=body.counted_status, note=body.note,
    )  # fmt: skip
    return Status(201, _one_line(request, line.pk))


@router.post(
    "/inventories/{int:pk}/close", response={200: CampaignOut, **ERRORS}, summary="完成清产核资"
)
def campaign_close(request: HttpRequest, pk: int) -> dict[str, Any]:
    campaign = selectors.campaign_get(actor=request.user, pk=pk)
    services.inventory_close(actor=request.user, campaign=campaign)
    return _campaign(selectors.campaign_get(actor=request.user, pk=pk))


@router.post(
    "/inventories/{int:pk}/publish",
    response={201: RegisterNoticeRef, **ERRORS},
    summary="公开汇总结果",
)
def campaign_publish(request: HttpRequest, pk: int) -> Status[dict[str, Any]]:
    campaign = selectors.campaign_get(actor=request.user, pk=pk)
    notice = services.inventory_publish(actor=request.user, campaign=campaign)
    return Status(201, {"id": notice.pk, "title": notice.title, "status": notice.status})


@router.post(
    "/inventory-lines/{int:pk}/count",
    response={200: InventoryLineOut, **ERRORS},
    summary="盘点一项",
)
def line_count(request: HttpRequest, pk: int, body: InventoryCountIn) -> dict[str, Any]:
    line = selectors.line_get(actor=request.user, pk=pk)
    services.inventory_count(
        actor=request.user, line=line, counted_quantity=body.counted_quantity,
        counted_status=body.counted_status, note=body.note,
    )  # fmt: skip
    return _one_line(request, pk)


@router.post(
    "/inventory-lines/{int:pk}/reconcile",
    response={200: InventoryLineOut, **ERRORS},
    summary="处理差异",
)
def line_reconcile(request: HttpRequest, pk: int, body: ReconcileIn) -> dict[str, Any]:
    line = selectors.line_get(actor=request.user, pk=pk)
    services.inventory_reconcile(
        actor=request.user, line=line, resolution=body.resolution, adjust=body.adjust
    )
    return _one_line(request, pk)
