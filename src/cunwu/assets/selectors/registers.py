"""Reads of the registers in the actor's scope: entries with their files, contracts and disposal,
the yearly inventories with their progress and lines. What lies outside the scope is 404."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from cunwu.accounts.permissions import has_perm_in, regions_in_scope, scope_q
from cunwu.core.models import AuditEvent, Region, RegionLevel
from cunwu.disclosure.models_lists import Decision, DecisionStage
from cunwu.registry.selectors import region_prefix

from ..models import (
    CATEGORY_CLASS,
    Asset,
    AssetFile,
    CampaignStatus,
    InventoryCampaign,
    InventoryLine,
    LineResult,
)

PERM = "assets.view"


def _region(qs: QuerySet[Any], region: str) -> QuerySet[Any]:
    return qs.filter(village__code__startswith=region_prefix(region)) if region else qs


def categories_of(asset_class: str) -> list[str]:
    return [c for c, k in CATEGORY_CLASS.items() if k == asset_class]


def asset_list(
    *,
    actor: Any,
    q: str = "",
    region: str = "",
    asset_class: str = "",
    category: str = "",
    status: str = "",
) -> QuerySet[Asset]:
    """Entries in scope; ``q`` finds a number, a name or a location."""
    qs = _region(Asset.objects.filter(scope_q(actor, PERM)), region)
    q = q.strip()
    if q:
        qs = qs.filter(
            Q(number__iexact=q) | Q(number__icontains=q) | Q(name__contains=q)
            | Q(location__contains=q)
        )  # fmt: skip
    if asset_class:
        qs = qs.filter(category__in=categories_of(asset_class))
    if category:
        qs = qs.filter(category=category)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("village").order_by("village_id", "number")


def asset_get(*, actor: Any, pk: int) -> Asset:
    asset = Asset.objects.select_related("village", "created_by").filter(pk=pk).first()
    if asset is None or not has_perm_in(actor, PERM, asset.village_id):
        raise Http404("台账不存在")
    return asset


def asset_files(asset: Asset) -> QuerySet[AssetFile]:
    return asset.files.select_related("uploaded_by").order_by("uploaded_at", "pk")


def asset_file_get(*, actor: Any, pk: int) -> AssetFile:
    record = AssetFile.objects.select_related("asset").filter(pk=pk).first()
    if record is None or not has_perm_in(actor, PERM, record.asset.village_id):
        raise Http404("附件不存在")
    return record


def asset_history(asset: Asset) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(object_type="assets.asset", object_id=str(asset.pk)).order_by(
        "-at", "-pk"
    )


def village_get(*, actor: Any, code: str, perm: str = PERM) -> Region:
    village = Region.objects.filter(code=code, level=RegionLevel.VILLAGE).first()
    if village is None or not has_perm_in(actor, perm, village):
        raise Http404("村不存在")
    return village


def asset_villages(actor: Any, perm: str = PERM) -> QuerySet[Region]:
    return regions_in_scope(actor, perm, level=RegionLevel.VILLAGE)


def passed_decisions(village: Region | str) -> QuerySet[Decision]:
    """The village's 四议两公开 matters whose resolution passed (what a disposal may cite)."""
    code = village if isinstance(village, str) else village.code
    return Decision.objects.filter(
        village_id=code, stage__gte=DecisionStage.RESOLUTION_NOTICE
    ).order_by("-created_at", "-pk")


def decision_for(*, asset: Asset, pk: int | None) -> Decision | None:
    """The decision a disposal names, if it exists at all: the service says why it does not do."""
    if pk is None:
        return None
    return Decision.objects.filter(pk=pk).first()


# ---------------------------------------------------------------- inventory


def _progress(qs: QuerySet[InventoryCampaign]) -> QuerySet[InventoryCampaign]:
    return qs.annotate(
        line_count=Count("lines"),
        counted_count=Count("lines", filter=~Q(lines__result=LineResult.PENDING)),
        open_count=Count(
            "lines",
            filter=Q(
                lines__result__in=[
                    LineResult.DIFFERENT, LineResult.MISSING, LineResult.SURPLUS,
                ],
                lines__reconciled_at__isnull=True,
            ),
        ),
    )  # fmt: skip


def campaign_list(
    *, actor: Any, region: str = "", year: int | None = None, status: str = ""
) -> QuerySet[InventoryCampaign]:
    qs = _region(InventoryCampaign.objects.filter(scope_q(actor, PERM)), region)
    if year:
        qs = qs.filter(year=year)
    if status in CampaignStatus.values:
        qs = qs.filter(status=status)
    return _progress(qs.select_related("village", "notice")).order_by("-year", "village_id")


def campaign_get(*, actor: Any, pk: int) -> InventoryCampaign:
    campaign = (
        _progress(InventoryCampaign.objects.select_related("village", "notice", "started_by"))
        .filter(pk=pk)
        .first()
    )
    if campaign is None or not has_perm_in(actor, PERM, campaign.village_id):
        raise Http404("清产核资不存在")
    return campaign


def line_list(
    *, campaign: InventoryCampaign, result: str = "", q: str = ""
) -> QuerySet[InventoryLine]:
    qs = campaign.lines.all()
    if result in LineResult.values:
        qs = qs.filter(result=result)
    q = q.strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(asset__number__icontains=q))
    return qs.select_related("asset", "counted_by", "reconciled_by").order_by("pk")


def line_get(*, actor: Any, pk: int) -> InventoryLine:
    line = (
        InventoryLine.objects.select_related("campaign", "campaign__village", "asset")
        .filter(pk=pk)
        .first()
    )
    if line is None or not has_perm_in(actor, PERM, line.campaign.village_id):
        raise Http404("盘点明细不存在")
    return line
