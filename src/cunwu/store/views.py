"""Pages of the store (爱心超市) under /store/.

Staff: goods with their stock and movements, receipts, write-offs and stocktakes; the counter
(find a household, fill a basket, confirm, print the receipt; the household's points card QR
opens ``/store/counter/?household=<pk>``); redemptions; the monthly report with its 公示.
Public, without log-in: the village's price list (name and points, never money). Thin: selectors
read, services write, an ``ApplicationError`` becomes a form error or a message with nothing
changed; what is outside the user's scope is 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunwu.accounts.permissions import has_perm_in, scope_prefixes
from cunwu.core.errors import ApplicationError, apply_error
from cunwu.core.formatting import format_date, format_fen
from cunwu.core.listing import get_params, paginate, parse_date, parse_int
from cunwu.core.models import Region, RegionLevel
from cunwu.core.spreadsheets import xlsx_response
from cunwu.points.services import account_for

from . import selectors, services
from .forms import CancelForm, GoodsForm, ReceiveForm, StocktakeForm, WriteOffForm
from .models import Goods, MovementKind, RedemptionStatus

PAGE_SIZE = 30
GET_POST = ["GET", "POST"]
EXPORT_LIMIT = 20_000
# the links to other pages of a list leave out its export (?format=xlsx)
EXPORT = ("format",)


def _need(user: Any, perm: str) -> None:
    if scope_prefixes(user, perm) == []:
        raise PermissionDenied("没有权限查看")


def _form_page(
    request: HttpRequest, form: Any, title: str, back: str, *, multipart: bool = False
) -> HttpResponse:
    context = {"form": form, "title": title, "back": back, "multipart": multipart}
    return render(request, "store/form.html", context)


def _manage(user: Any, village: Region | str) -> None:
    if not has_perm_in(user, "store.manage", village):
        raise PermissionDenied("没有权限管理爱心超市")


# ---------------------------------------------------------------- goods


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """商品与库存: search, on-shelf filter, xlsx export."""
    user = request.user
    _need(user, "store.view")
    params = get_params(request, "q", "active", "region", "format")
    active = {"1": True, "0": False}.get(params["active"])
    qs = selectors.goods_list(actor=user, q=params["q"], region=params["region"], active=active)
    if params["format"] == "xlsx":
        rows = [
            [
                g.village.name,
                g.name,
                g.unit,
                g.points_price,
                g.stock,
                "上架" if g.active else "下架",
            ]
            for g in qs[:EXPORT_LIMIT]
        ]
        header = ["村", "商品", "单位", "兑换积分", "库存", "状态"]
        return xlsx_response("爱心超市商品", [("商品", header, rows)])
    page, query = paginate(request, qs, PAGE_SIZE, drop=EXPORT)
    villages = list(selectors.store_villages(user)[:500])
    context = {
        "page": page, "params": params, "query": query, "villages": villages,
        "manage_villages": [v for v in villages if has_perm_in(user, "store.manage", v)],
        "can_redeem": scope_prefixes(user, "store.redeem") != [],
    }  # fmt: skip
    return render(request, "store/index.html", context)


@login_required
@require_http_methods(GET_POST)
def goods_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    villages = selectors.store_villages(user, "store.manage")
    if not villages.exists():
        raise PermissionDenied("没有权限管理爱心超市")
    form = GoodsForm(request.POST or None, request.FILES or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            goods = services.goods_create(
                actor=user, village=d["village"], name=d["name"], points_price=d["points_price"],
                unit=d["unit"], photo=d["photo"] or None, active=d["active"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已添加商品“{goods.name}”")
            return redirect("store:goods_detail", goods.pk)
    return _form_page(request, form, "添加商品", reverse("store:index"), multipart=True)


@login_required
@require_http_methods(GET_POST)
def goods_edit(request: HttpRequest, pk: int) -> HttpResponse:
    goods = selectors.goods_get(actor=request.user, pk=pk)
    _manage(request.user, goods.village_id)
    initial = {"name": goods.name, "points_price": goods.points_price, "unit": goods.unit,
               "active": goods.active}  # fmt: skip
    form = GoodsForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.goods_update(
                actor=request.user, goods=goods, name=d["name"], points_price=d["points_price"],
                unit=d["unit"], photo=d["photo"] or None, active=d["active"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("store:goods_detail", goods.pk)
    back = reverse("store:goods_detail", args=[goods.pk])
    return _form_page(request, form, f"修改商品：{goods.name}", back, multipart=True)


@login_required
@require_GET
def goods_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A goods' stock and its movements."""
    goods = selectors.goods_get(actor=request.user, pk=pk)
    page, query = paginate(
        request, selectors.movement_list(actor=request.user, goods=goods.pk), PAGE_SIZE, drop=EXPORT
    )
    context = {
        "goods": goods, "page": page, "query": query,
        "can_manage": has_perm_in(request.user, "store.manage", goods.village_id),
    }  # fmt: skip
    return render(request, "store/goods_detail.html", context)


@login_required
@require_http_methods(GET_POST)
def goods_receive(request: HttpRequest, pk: int) -> HttpResponse:
    goods = selectors.goods_get(actor=request.user, pk=pk)
    _manage(request.user, goods.village_id)
    form = ReceiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.stock_receive(
                actor=request.user, goods=goods, kind=d["kind"], quantity=d["quantity"],
                donor=d["donor"], declared_value=d["declared_value"], reason=d["reason"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已入库{d['quantity']}{goods.unit}")
            return redirect("store:goods_detail", goods.pk)
    back = reverse("store:goods_detail", args=[goods.pk])
    return _form_page(request, form, f"入库：{goods.name}", back)


@login_required
@require_http_methods(GET_POST)
def goods_write_off(request: HttpRequest, pk: int) -> HttpResponse:
    goods = selectors.goods_get(actor=request.user, pk=pk)
    _manage(request.user, goods.village_id)
    form = WriteOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.stock_write_off(
                actor=request.user, goods=goods, quantity=d["quantity"], reason=d["reason"]
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"已报损{d['quantity']}{goods.unit}")
            return redirect("store:goods_detail", goods.pk)
    back = reverse("store:goods_detail", args=[goods.pk])
    return _form_page(request, form, f"报损：{goods.name}（库存{goods.stock}{goods.unit}）", back)


@login_required
@require_http_methods(GET_POST)
def stocktake(request: HttpRequest, code: str) -> HttpResponse:
    village = selectors.village_get(actor=request.user, code=code)
    _manage(request.user, village)
    goods = list(selectors.goods_list(actor=request.user, region=village.code))
    form = StocktakeForm(request.POST or None, goods=goods)
    if request.method == "POST" and form.is_valid():
        try:
            moved = services.stocktake(
                actor=request.user, village=village, counts=form.counts(),
                reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request, f"盘点完成：{len(moved)}种商品有差异" if moved else "盘点完成：账实相符"
            )
            return redirect(reverse("store:index") + f"?region={village.code}")
    return _form_page(request, form, f"盘点：{village.name}", reverse("store:index"))


@login_required
@require_GET
def movement_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _need(user, "store.view")
    params = get_params(request, "goods", "kind", "since", "until", "region", "format")
    qs = selectors.movement_list(
        actor=user, goods=parse_int(params["goods"]),
        kind=params["kind"], since=parse_date(params["since"]), until=parse_date(params["until"]),
        region=params["region"],
    )  # fmt: skip
    if params["format"] == "xlsx":
        header = ["日期", "商品", "类型", "数量", "捐赠方/供货方", "价值（元）", "说明", "兑换单",
                  "经办人"]  # fmt: skip
        rows = [
            [m.date.isoformat(), m.goods.name, m.get_kind_display(), m.quantity, m.donor,
             format_fen(m.declared_value_fen), m.reason,
             m.redemption.number if m.redemption else "", str(m.actor or "")]
            for m in qs[:EXPORT_LIMIT]
        ]  # fmt: skip
        return xlsx_response("爱心超市库存变动", [("库存变动", header, rows)])
    page, query = paginate(request, qs, PAGE_SIZE, drop=EXPORT)
    context = {"page": page, "params": params, "query": query, "kinds": MovementKind.choices,
               "villages": selectors.store_villages(user)[:500]}  # fmt: skip
    return render(request, "store/movements.html", context)


# ---------------------------------------------------------------- the counter


def _basket(data: Any, goods: list[Goods]) -> tuple[list[tuple[Goods, int]], str]:
    """The quantities typed at the counter (``q_<goods id>``); an error text when one is wrong."""
    lines = []
    for g in goods:
        raw = str(data.get(f"q_{g.pk}", "")).strip()
        if not raw or raw == "0":
            continue
        if not raw.isdigit():
            return [], f"“{g.name}”的数量应为正整数"
        lines.append((g, int(raw)))
    return lines, ""


def _counter_goods(household: Any) -> list[Goods]:
    return list(
        Goods.objects.filter(village_id=household.village_id, active=True).order_by(
            "points_price", "name"
        )
    )


def _household_card(household: Any) -> dict[str, Any]:
    return {
        "household": household,
        "head": selectors.head_names([household.pk]).get(household.pk, ""),
        "available": account_for(household).available,
    }


@login_required
@require_GET
def counter(request: HttpRequest) -> HttpResponse:
    """兑换柜台: find the household (name, 户编号, last digits of an ID, or its points card's QR
    code), then fill its basket. The basket carries a new idempotency key."""
    user = request.user
    _need(user, "store.redeem")
    pk = request.GET.get("household", "")
    if pk:
        if not pk.isdigit():
            raise Http404
        household = selectors.counter_household(actor=user, pk=int(pk))
        context = {
            **_household_card(household),
            "goods": _counter_goods(household),
            "key": uuid.uuid4().hex,
            "quantities": {},
        }
        return render(request, "store/counter.html", context)
    q = request.GET.get("q", "").strip()[:50]
    found = list(selectors.counter_households(actor=user, q=q)) if q else None
    heads = selectors.head_names(h.pk for h in found) if found else {}
    rows = [(h, heads.get(h.pk, "")) for h in found] if found is not None else None
    return render(request, "store/counter_find.html", {"q": q, "rows": rows})


@login_required
@require_POST
def counter_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """The basket to confirm: lines, points, what will be left. Nothing is charged yet."""
    household = selectors.counter_household(actor=request.user, pk=pk)
    goods = _counter_goods(household)
    key = request.POST.get("key", "")[:64]
    lines, error = _basket(request.POST, goods)
    if error or not lines:
        messages.error(request, error or "请先选择要兑换的商品")
        quantities = {g.pk: request.POST.get(f"q_{g.pk}", "") for g in goods}
        context = {**_household_card(household), "goods": goods,
                   "key": key or uuid.uuid4().hex, "quantities": quantities}  # fmt: skip
        return render(request, "store/counter.html", context)
    return render(request, "store/confirm.html", _confirm_context(household, lines, key))


def _confirm_context(household: Any, lines: list[tuple[Goods, int]], key: str) -> dict[str, Any]:
    card = _household_card(household)
    total = sum(g.points_price * q for g, q in lines)
    short = [g for g, q in lines if q > g.stock]
    return {
        **card, "lines": [(g, q, g.points_price * q) for g, q in lines], "total": total,
        "left": card["available"] - total, "key": key, "short": short,
    }  # fmt: skip


@login_required
@require_POST
def counter_redeem(request: HttpRequest, pk: int) -> HttpResponse:
    """确认兑换: charged once per basket key, however often the button is pressed."""
    household = selectors.counter_household(actor=request.user, pk=pk)
    goods = _counter_goods(household)
    key = request.POST.get("key", "")
    lines, error = _basket(request.POST, goods)
    if not error:
        try:
            redemption = services.redemption_create(
                actor=request.user, household=household, lines=lines, idempotency_key=key
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            return redirect(reverse("store:receipt", args=[redemption.pk]) + "?new=1")
    messages.error(request, error)
    return render(request, "store/confirm.html", _confirm_context(household, lines, key[:64]))


# ---------------------------------------------------------------- redemptions


@login_required
@require_GET
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """兑换小票 (prints on A4 or a receipt printer)."""
    redemption = selectors.redemption_get(actor=request.user, pk=pk)
    can_cancel = (
        redemption.status == RedemptionStatus.DONE
        and timezone.localtime(redemption.created_at).date() == timezone.localdate()
        and has_perm_in(request.user, "store.redeem", redemption.village_id)
    )
    context = {
        "r": redemption, "lines": selectors.redemption_lines(redemption),
        **_household_card(redemption.household), "can_cancel": can_cancel,
        "cancel_form": CancelForm(), "new": request.GET.get("new") == "1",
    }  # fmt: skip
    return render(request, "store/receipt.html", context)


@login_required
@require_POST
def redemption_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    redemption = selectors.redemption_get(actor=request.user, pk=pk)
    target = reverse("store:receipt", args=[redemption.pk])
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请写明撤销原因")
        return redirect(target)
    try:
        services.redemption_cancel(
            actor=request.user, redemption=redemption, reason=form.cleaned_data["reason"]
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已撤销，商品退回库存，积分退回该户")
    return redirect(target)


REDEMPTION_HEADER = ["单号", "村", "户编号", "户主", "商品", "积分", "状态", "兑换时间", "经办人",
                     "撤销原因"]  # fmt: skip


@login_required
@require_GET
def redemption_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _need(user, "store.view")
    params = get_params(request, "q", "since", "until", "status", "region", "format")
    qs = selectors.redemption_list(
        actor=user, q=params["q"], since=parse_date(params["since"]),
        until=parse_date(params["until"]), status=params["status"], region=params["region"],
    )  # fmt: skip
    if params["format"] == "xlsx":
        items = list(qs.prefetch_related("lines__goods")[:EXPORT_LIMIT])
        heads = selectors.head_names({r.household_id for r in items})
        rows = [
            [r.number, r.village.name, r.household.number, heads.get(r.household_id, ""),
             "、".join(f"{li.goods.name}×{li.quantity}" for li in r.lines.all()), r.total_points,
             r.get_status_display(),
             timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M"), str(r.created_by),
             r.cancel_reason]
            for r in items
        ]  # fmt: skip
        return xlsx_response("爱心超市兑换记录", [("兑换记录", REDEMPTION_HEADER, rows)])
    page, query = paginate(request, qs, PAGE_SIZE, drop=EXPORT)
    heads = selectors.head_names({r.household_id for r in page.object_list})
    context = {
        "page": page, "params": params, "query": query, "statuses": RedemptionStatus.choices,
        "villages": selectors.store_villages(user)[:500],
        "rows": [(r, heads.get(r.household_id, "")) for r in page.object_list],
    }  # fmt: skip
    return render(request, "store/redemption_list.html", context)


# ---------------------------------------------------------------- monthly report


def _month(raw: str) -> tuple[int, int]:
    today = timezone.localdate()
    try:
        year, month = (int(p) for p in raw.split("-"))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    return today.year, today.month


@login_required
@require_GET
def report(request: HttpRequest, code: str) -> HttpResponse:
    """月度收支: stock in and out by goods, points redeemed by household; prints, exports, 公示."""
    village = selectors.village_get(actor=request.user, code=code)
    year, month = _month(request.GET.get("month", ""))
    data = selectors.monthly_report(village=village, year=year, month=month)
    if request.GET.get("format") == "xlsx":
        goods_rows = [selectors.goods_cells(r) for r in data.goods]
        if data.totals is not None:
            goods_rows.append(selectors.goods_cells(data.totals))
        household_rows: list[list[Any]] = [
            [h.number, h.head, h.redemptions, h.points] for h in data.households
        ]
        household_rows.append(["合计", "", data.redemption_count, data.points_total])
        return xlsx_response(
            f"{village.name}爱心超市{year}年{month}月收支",
            [("商品收支", selectors.GOODS_COLUMNS, goods_rows),
             ("兑换积分", selectors.HOUSEHOLD_COLUMNS, household_rows)],
        )  # fmt: skip
    subject = services.report_subject(village, year, month)
    published = selectors.report_notice(subject.type, subject.id)
    context = {
        "village": village, "report": data, "year": year, "month": month,
        "month_value": f"{year:04d}-{month:02d}", "published": published,
        "can_publish": has_perm_in(request.user, "store.manage", village)
        and has_perm_in(request.user, "disclosure.publish", village),
        "made_on": format_date(timezone.localdate()),
    }  # fmt: skip
    return render(request, "store/report.html", context)


@login_required
@require_POST
def report_publish(request: HttpRequest, code: str) -> HttpResponse:
    village = selectors.village_get(actor=request.user, code=code)
    year, month = _month(request.POST.get("month", ""))
    target = reverse("store:report", args=[village.code]) + f"?month={year:04d}-{month:02d}"
    try:
        notice = services.report_publish(actor=request.user, village=village, year=year,
                                         month=month)  # fmt: skip
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已公示：{notice.title}")
    return redirect(target)


# ---------------------------------------------------------------- prices and labels


@require_GET
def public_prices(request: HttpRequest, code: str) -> HttpResponse:
    """The village's public price list (no log-in): goods on the shelf with their points."""
    village = Region.objects.filter(
        code=code[:12], level=RegionLevel.VILLAGE, retired=False
    ).first()
    if village is None:
        raise Http404("村不存在")
    context = {
        "region": village, "village": village, "goods": list(selectors.public_goods(village)),
        "large_text": request.COOKIES.get("cunwu_large_text") == "1",
    }  # fmt: skip
    return render(request, "store/prices.html", context)


@login_required
@require_GET
def labels(request: HttpRequest, code: str) -> HttpResponse:
    """Shelf labels to print and cut: name and points."""
    village = selectors.village_get(actor=request.user, code=code)
    goods = list(selectors.public_goods(village))
    return render(request, "store/labels.html", {"village": village, "goods": goods})
