"""Regions as reference data: names and codes are public, so any authenticated user may read.

The router lives here, not in core, because core imports no other app (DESIGN.md).
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from cunwu.api.schemas import Page, PageParams, paginate
from cunwu.core.models import Region

router = Router(tags=["行政区划"])


class RegionOut(Schema):
    code: str
    name: str
    level: int
    parent: str | None = Field(None, alias="parent_id")
    retired: bool


class RegionFilter(PageParams):
    parent: str | None = Field(None, description="上级区划代码")
    level: int | None = Field(None, ge=1, le=5, description="级别：1省 2市 3县 4乡镇 5村")
    q: str = Field("", max_length=50, description="名称包含")
    include_retired: bool = False


@router.get("/regions", response=Page[RegionOut], summary="行政区划")
def region_list(request: HttpRequest, filters: Query[RegionFilter]) -> dict[str, object]:
    qs = Region.objects.order_by("code")
    if filters.parent:
        qs = qs.filter(parent_id=filters.parent)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.q:
        qs = qs.filter(name__contains=filters.q)
    if not filters.include_retired:
        qs = qs.filter(retired=False)
    items, count = paginate(qs, filters)
    return {"items": items, "count": count, "page": filters.page, "page_size": filters.page_size}
