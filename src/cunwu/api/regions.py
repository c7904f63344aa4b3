"""Regions as reference data: names and codes are public, so any authenticated user may read.

The router lives here, not in core, because core imports no other app (DESIGN.md) and the
API's authentication comes from accounts.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from cunwu.api.schemas import ERRORS, Page, PageParams, Text, paginate
from cunwu.core.models import Region

router = Router(tags=["行政区划"])


class RegionOut(Schema):
    code: str
    name: str
    level: int = Field(description="1省 2市 3县 4乡镇 5村")
    parent: str | None = Field(None, alias="parent_id")
    retired: bool


class RegionFilter(PageParams):
    parent: Text | None = Field(None, max_length=12, description="上级区划代码")
    level: int | None = Field(None, ge=1, le=5, description="级别：1省 2市 3县 4乡镇 5村")
    q: Text = Field("", max_length=50, description="名称包含")
    include_retired: bool = Field(False, description="是否包含已撤销的区划")


@router.get("/regions", response={200: Page[RegionOut], **ERRORS}, summary="行政区划")
def region_list(request: HttpRequest, filters: Query[RegionFilter]) -> dict[str, Any]:
    qs = Region.objects.order_by("code")
    if filters.parent:
        qs = qs.filter(parent_id=filters.parent)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.q:
        qs = qs.filter(name__contains=filters.q)
    if not filters.include_retired:
        qs = qs.filter(retired=False)
    return paginate(qs, filters)
