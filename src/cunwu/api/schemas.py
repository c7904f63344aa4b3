"""Schemas shared by every router: input text, errors and pagination."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Generic, TypeVar

from django.db.models import QuerySet
from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, Field

T = TypeVar("T")

MAX_PAGE_SIZE = 200

# NUL is refused by PostgreSQL text columns and lone surrogates cannot be encoded as UTF-8:
# either would turn a typo into a database error, so they are refused at the door (422).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _plain_text(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("不能包含控制字符")
    return value


Text = Annotated[str, AfterValidator(_plain_text)]
"""A string from a request (body, query or path) without control characters."""


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    """Only ``YYYY-MM-DD`` (pydantic alone would also read ``0`` as 1970-01-01)."""
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("日期应写作 YYYY-MM-DD，如 2026-01-31")


Date = Annotated[dt.date, BeforeValidator(_iso_date)]
"""A date from a request, written ``YYYY-MM-DD``."""


class ErrorOut(Schema):
    """Every error: a code for programs, a Chinese message for people."""

    code: str = Field(description="错误代码，如 not_found、forbidden、id_number_check_digit")
    message: str = Field(description="中文说明")
    field: str | None = Field(None, description="出错的字段（如有）")
    errors: list[dict[str, Any]] | None = Field(None, description="参数校验明细（422）")


ERROR_CODES = frozenset({400, 401, 403, 404, 405, 409, 422, 429, 500, 503})
ERRORS: dict[Any, Any] = {ERROR_CODES: ErrorOut}
"""The error responses every operation documents: exactly the statuses the API answers with
(ninja's ``codes_4xx`` misses 422, which every validation failure gets)."""


class PageParams(Schema):
    page: int = Field(1, ge=1, le=1_000_000, description="页码，从1开始")
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE, description="每页条数（至多200）")


class Page(Schema, Generic[T]):
    items: list[T]
    count: int
    page: int
    page_size: int


def paginate(qs: QuerySet[Any], params: PageParams) -> dict[str, Any]:
    """One page of ``qs`` as ``{items, count, page, page_size}``: two queries, whatever the size."""
    start = (params.page - 1) * params.page_size
    return {
        "items": list(qs[start : start + params.page_size]),
        "count": qs.count(),
        "page": params.page,
        "page_size": params.page_size,
    }
