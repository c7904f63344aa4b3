"""Schemas shared by every router: errors and pagination."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.db.models import QuerySet
from ninja import Schema
from pydantic import Field

T = TypeVar("T")

MAX_PAGE_SIZE = 200


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


class PageParams(Schema):
    page: int = Field(1, ge=1, description="页码，从1开始")
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE, description="每页条数（至多200）")


class Page(Schema, Generic[T]):
    items: list[T]
    count: int
    page: int
    page_size: int


def paginate(qs: QuerySet[Any], params: PageParams) -> tuple[list[Any], int]:
    """One page of ``qs`` and the total count."""
    start = (params.page - 1) * params.page_size
    return list(qs[start : start + params.page_size]), qs.count()


ERRORS: dict[int | tuple[int, ...], Any] = {
    (400, 401, 403, 404, 422): ErrorOut,
}
