"""The audit chain over the API: events of the chains in the caller's ``core.view_audit`` scope.

Reads are scoped here (a private selector, as the audit pages in ``web`` do) because core, which
owns AuditEvent, imports no app and so cannot know about permissions.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router, Schema
from pydantic import Field

from cunwu.accounts.permissions import scope_q
from cunwu.api.schemas import ERRORS, Date, Page, PageParams, Text, paginate
from cunwu.core.models import AuditEvent, Region, code_prefix

router = Router(tags=["审计"])
AUDIT = "core.view_audit"


class EventOut(Schema):
    id: int
    region: str = Field(alias="region_id", description="审计链所属区划代码")
    region_name: str = Field(alias="region.name")
    seq: int = Field(description="链内序号")
    at: dt.datetime
    actor_name: str
    action: str
    object_type: str
    object_id: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


class EventFilter(PageParams):
    region: Text = Field("", max_length=12, description="区划代码（含下级）")
    action: Text = Field(
        "", max_length=64, description="动作前缀，如 registry. 或 registry.person_"
    )
    date_from: Date | None = Field(None, description="起始日期（含）")
    date_to: Date | None = Field(None, description="截止日期（含）")


def _events(actor: Any) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(scope_q(actor, AUDIT, field="region")).select_related("region")


def _region_prefix(code: str) -> str:
    region = Region.objects.filter(code=code).only("code", "level").first()
    return code_prefix(region.code, region.level) if region else "#"  # unknown: matches nothing


@router.get("/events", response={200: Page[EventOut], **ERRORS}, summary="审计事件")
def event_list(request: HttpRequest, filters: Query[EventFilter]) -> dict[str, Any]:
    """Newest first. Events outside the caller's audit scope are simply not there."""
    qs = _events(request.user)
    if filters.region:
        qs = qs.filter(region__code__startswith=_region_prefix(filters.region))
    if filters.action:
        qs = qs.filter(action__startswith=filters.action)
    tz = timezone.get_current_timezone()
    if filters.date_from:
        qs = qs.filter(at__gte=dt.datetime.combine(filters.date_from, dt.time.min, tzinfo=tz))
    if filters.date_to:
        end = filters.date_to + dt.timedelta(days=1)
        qs = qs.filter(at__lt=dt.datetime.combine(end, dt.time.min, tzinfo=tz))
    # newest first by key: rows are appended in order and the key is indexed
    return paginate(qs.order_by("-pk"), filters)


@router.get(
    "/history/{object_type}/{object_id}",
    response={200: list[EventOut], **ERRORS},
    summary="某对象的审计记录",
)
def object_history(
    request: HttpRequest,
    object_type: Annotated[Text, Path(max_length=64, description="如 registry.household")],
    object_id: Annotated[Text, Path(max_length=64)],
) -> list[AuditEvent]:
    """Oldest first; events recorded in chains outside the caller's audit scope stay hidden."""
    qs = _events(request.user).filter(object_type=object_type, object_id=object_id)
    return list(qs.order_by("at", "pk"))
