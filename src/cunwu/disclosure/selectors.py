"""Reads of the disclosure module: staff lists in scope, the public portal, the calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cunwu.accounts.models import RoleAssignment
from cunwu.accounts.permissions import has_perm_in, regions_in_scope, scope_q
from cunwu.core.models import Region, RegionLevel, code_prefix

from .models import (
    PUBLIC_STATUSES,
    Category,
    DisclosureRule,
    Frequency,
    Notice,
    NoticeStatus,
    Objection,
    ObjectionStatus,
)

# 村民委员会组织法 第30条: ordinary matters at least quarterly (finances monthly where busy: a
# county or village raises 财务 to monthly with a DisclosureRule)
DEFAULT_RULES: dict[str, tuple[str, int]] = {
    Category.PARTY: (Frequency.QUARTERLY, 20),
    Category.VILLAGE: (Frequency.QUARTERLY, 20),
    Category.FINANCE: (Frequency.QUARTERLY, 20),
}


def _search(qs: QuerySet[Notice], q: str) -> QuerySet[Notice]:
    q = q.strip()[:50]
    return qs.filter(Q(title__icontains=q) | Q(body__icontains=q)) if q else qs


# ---------------------------------------------------------------- staff


def notice_list(
    *,
    actor: Any,
    q: str = "",
    category: str = "",
    status: str = "",
    region: str = "",
) -> QuerySet[Notice]:
    qs = Notice.objects.filter(scope_q(actor, "disclosure.view", "region")).select_related(
        "region", "created_by"
    )
    if category in Category.values:
        qs = qs.filter(category=category)
    if status in NoticeStatus.values:
        qs = qs.filter(status=status)
    if region.isdigit() and len(region) == 12:
        level = Region.objects.filter(code=region).values_list("level", flat=True).first()
        if level is not None:
            qs = qs.filter(region__code__startswith=code_prefix(region, level))
    # an aggregate drops Meta.ordering: order explicitly, so that pages stay stable
    return (
        _search(qs, q)
        .annotate(pending=Count("objections", filter=Q(objections__status=ObjectionStatus.PENDING)))
        .order_by("-published_at", "-created_at", "-pk")
    )


def notice_get(*, actor: Any, pk: int) -> Notice:
    """A notice in the actor's scope; anything else is not found (its existence stays hidden)."""
    notice = (
        Notice.objects.select_related("region", "created_by", "published_by", "signed_off_by")
        .filter(pk=pk)
        .first()
    )
    if notice is None or not has_perm_in(actor, "disclosure.view", notice.region):
        raise Http404
    return notice


def objections_of(notice: Notice) -> QuerySet[Objection]:
    return notice.objections.select_related("submitted_by", "handled_by")


def signoff_queue(*, actor: Any) -> QuerySet[Notice]:
    return Notice.objects.filter(
        scope_q(actor, "disclosure.signoff", "region"), status=NoticeStatus.PENDING_SIGNOFF
    ).select_related("region", "published_by")


def objection_queue(*, actor: Any) -> QuerySet[Objection]:
    return Objection.objects.filter(
        scope_q(actor, "disclosure.handle_objection", "notice__region"),
        status=ObjectionStatus.PENDING,
    ).select_related("notice", "notice__region")


# ---------------------------------------------------------------- public


def public_notices(
    *, region: Region, q: str = "", category: str = "", current: bool | None = None
) -> QuerySet[Notice]:
    """What the portal shows of a village (or township): published notices, never drafts."""
    qs = Notice.objects.filter(region=region, status__in=PUBLIC_STATUSES).select_related("region")
    if category in Category.values:
        qs = qs.filter(category=category)
    if current is True:
        qs = qs.filter(status=NoticeStatus.PUBLISHED)
    elif current is False:
        qs = qs.exclude(status=NoticeStatus.PUBLISHED)
    return _search(qs, q).order_by("-published_at", "-pk")


def public_notice(pk: int) -> Notice:
    notice = (
        Notice.objects.select_related("region", "published_event")
        .filter(pk=pk, status__in=PUBLIC_STATUSES)
        .first()
    )
    if notice is None:
        raise Http404
    return notice


def public_objection(code: str) -> Objection:
    code = code.strip().upper()
    objection = (
        Objection.objects.select_related("notice", "notice__region").filter(code=code).first()
        if code.isalnum() and len(code) <= 12
        else None
    )
    if objection is None:
        raise Http404
    return objection


def portal_regions(parent: Region | None) -> QuerySet[Region]:
    """Children of ``parent`` (the deployment's top when None) that have published anything."""
    published = Notice.objects.filter(status__in=PUBLIC_STATUSES)
    if parent is None:
        codes = published.values_list("county_code", flat=True).distinct()
        return Region.objects.filter(code__in=[c + "000000" for c in codes]).order_by("code")
    prefix = code_prefix(parent.code, parent.level)
    child_len = {RegionLevel.COUNTY: 9, RegionLevel.TOWNSHIP: 12}.get(RegionLevel(parent.level))
    if child_len is None:
        return Region.objects.none()
    in_parent = published.filter(region__code__startswith=prefix).values_list(
        "region__code", flat=True
    )
    children = {c[:child_len].ljust(12, "0") for c in in_parent}
    return Region.objects.filter(code__in=children, parent=parent).order_by("code")


# ---------------------------------------------------------------- disclosure calendar


@dataclass(frozen=True)
class Overdue:
    village: Region
    category: str
    frequency: str
    period: str  # 2026年第3季度 / 2026年10月
    deadline: date
    last_published: date | None

    @property
    def category_label(self) -> str:
        return str(Category(self.category).label)


def _last_period(frequency: str, deadline_day: int, today: date) -> tuple[str, date, date]:
    """(label, start, deadline) of the latest period whose deadline has passed by ``today``."""
    step = 1 if frequency == Frequency.MONTHLY else 3
    # the period that ended most recently, then earlier ones until the deadline has passed
    month = today.month - (today.month - 1) % step  # first month of the running period
    year = today.year
    for _ in range(3):
        month -= step
        if month < 1:
            month += 12
            year -= 1
        start = date(year, month, 1)
        after = date(year + (month + step - 1) // 12, (month + step - 1) % 12 + 1, deadline_day)
        if after < today:
            label = f"{year}年{month}月" if step == 1 else f"{year}年第{(month - 1) // 3 + 1}季度"
            return label, start, after
    raise AssertionError("unreachable")  # pragma: no cover


def _ancestor_codes(code: str) -> list[str]:
    return [code, code[:9] + "000", code[:6] + "000000", code[:4] + "00000000",
            code[:2] + "0000000000"]  # fmt: skip


def rules_for(village: Region) -> dict[str, tuple[str, int]]:
    """Category → (frequency, deadline day) for a village: the most specific rule wins."""
    return {c: (f, d) for c, (f, d, _source) in catalogue_for(village).items()}


def catalogue_for(village: Region) -> dict[str, tuple[str, int, Region | None]]:
    """Category → (frequency, deadline day, the region whose rule it is; None for the law's
    default) for a village."""
    catalogue: dict[str, tuple[str, int, Region | None]] = {
        c: (f, d, None) for c, (f, d) in DEFAULT_RULES.items()
    }
    found = DisclosureRule.objects.filter(
        region__code__in=_ancestor_codes(village.code)
    ).select_related("region")
    for rule in sorted(found, key=lambda r: r.region.level):
        catalogue[rule.category] = (rule.frequency, rule.deadline_day, rule.region)
    return catalogue


def rules_in_scope(*, actor: Any) -> QuerySet[DisclosureRule]:
    return (
        DisclosureRule.objects.filter(scope_q(actor, "disclosure.view_overdue", "region"))
        .select_related("region")
        .order_by("region__code", "category")
    )


def overdue_list(*, actor: Any, today: date | None = None) -> list[Overdue]:
    """Villages in scope that have not disclosed a required category for the last period by
    its deadline (村民委员会组织法 第31条: the township investigates). Only villages that use
    cunwu (someone holds a role there, or it has published before) are listed."""
    today = today or timezone.localdate()
    villages = regions_in_scope(actor, "disclosure.view_overdue", level=RegionLevel.VILLAGE)
    active = set(
        RoleAssignment.objects.filter(region__in=villages).values_list("region_id", flat=True)
    ) | set(Notice.objects.filter(region__in=villages).values_list("region_id", flat=True))
    window = today - timedelta(days=130)
    published: dict[tuple[str, str], list[date]] = {}
    for region_id, category, at in Notice.objects.filter(
        region_id__in=active, status__in=PUBLIC_STATUSES, published_at__date__gte=window
    ).values_list("region_id", "category", "published_at"):
        published.setdefault((region_id, category), []).append(timezone.localdate(at))
    result = []
    for village in Region.objects.filter(code__in=active).order_by("code"):
        for category, (frequency, deadline_day) in rules_for(village).items():
            label, start, deadline = _last_period(frequency, deadline_day, today)
            dates = published.get((village.code, category), [])
            if any(start <= d <= deadline for d in dates):
                continue
            result.append(
                Overdue(village, category, frequency, label, deadline, max(dates, default=None))
            )
    return result
