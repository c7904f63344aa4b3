"""The audit chain over the API: events in the caller's ``core.view_audit`` scope."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from cunwu.accounts.permissions import scope_q
from cunwu.api.schemas import Page, PageParams, paginate
from cunwu.core.models import AuditEvent, Region, code_prefix

router = Router(tags=["审计"])


class EventOut(Schema):
    id: int
    region: str = Field(alias="region_id")
    seq: int
    at: datetime
    actor_name: str
    action: str
    object_type: str
    object_id: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


class EventFilter(PageParams):
    region: str = Field("", max_length=12, description="区划代码（含下级）")
    action: str = Field("", max_length=64)


def _events(request: HttpRequest) -> Any:
    return AuditEvent.objects.filter(scope_q(request.user, "core.view_audit", field="region"))


@router.get("/events", response=Page[EventOut], summary="审计事件")
def event_list(request: HttpRequest, filters: Query[EventFilter]) -> dict[str, object]:
    qs = _events(request)
    if filters.region:
        region = Region.objects.filter(code=filters.region).first()
        prefix = code_prefix(region.code, region.level) if region else "#"
        qs = qs.filter(region__code__startswith=prefix)
    if filters.action:
        qs = qs.filter(action=filters.action)
    items, count = paginate(qs.order_by("-pk"), filters)
    return {"items": items, "count": count, "page": filters.page, "page_size": filters.page_size}


@router.get(
    "/history/{object_type}/{object_id}", response=list[EventOut], summary="某对象的审计记录"
)
def object_history(request: HttpRequest, object_type: str, object_id: str) -> Any:
    return list(
        _events(request).filter(object_type=object_type, object_id=object_id).order_by("at", "pk")
    )
