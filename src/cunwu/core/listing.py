"""What every list page does with its query string: one page of rows, the filters, dates, ids.

The list pages of every app read their filters from GET and page their rows the same way;
this module is that way, in ``core`` so that every app may import it (DESIGN.md). Filters are
read leniently: a value that does not parse is treated as absent, never as a 500, because a
query string is whatever a browser, a bookmark or a crawler sends.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

_T = TypeVar("_T")

# a filter is a word, a code or a date: longer input is cut rather than sent to the database
PARAM_MAX_LENGTH = 50
# int() of nine digits stays far below a 32-bit key; longer is junk, not a row
_INT_MAX_DIGITS = 9


def paginate(
    request: HttpRequest,
    rows: QuerySet[Any, _T] | Sequence[_T],
    per_page: int,
    *,
    drop: Iterable[str] = (),
) -> tuple[Page[_T], str]:
    """The requested page of ``rows`` and the query string the page links build on.

    A missing, non-numeric or out-of-range ``page`` gives the first or the last page
    (``Paginator.get_page``) rather than a 404. The query string keeps every other filter so
    the links to other pages keep them, and leaves out ``page`` (the links set their own) and
    the names in ``drop`` (``format``, on pages whose export is ``?format=xlsx``: a link to the
    next page must show the page, not start a download).
    """
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    for name in ("page", *drop):
        query.pop(name, None)
    return page, query.urlencode()


def get_params(request: HttpRequest, *names: str, strip: bool = False) -> dict[str, str]:
    """The GET values of ``names`` (``""`` when absent), cut to ``PARAM_MAX_LENGTH``.

    ``strip`` also removes surrounding white space (a search box pasted into).
    """
    values = {name: request.GET.get(name, "")[:PARAM_MAX_LENGTH] for name in names}
    if strip:
        return {name: value.strip() for name, value in values.items()}
    return values


def parse_date(raw: str) -> date | None:
    """An ISO date (``2026-11-24``, what ``<input type="date">`` sends), or None."""
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def parse_int(raw: str) -> int | None:
    """A non-negative whole number of at most nine digits (an id, a year), or None.

    Full-width digits (１２, from a Chinese input method) count as digits. ``str.isdigit``
    also says yes to superscripts and circled digits (², ⑴), which ``int`` refuses: those
    are junk like any other, not a 500.
    """
    if not raw.isdigit() or len(raw) > _INT_MAX_DIGITS:
        return None
    try:
        return int(raw)
    except ValueError:
        return None
