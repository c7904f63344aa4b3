"""List pages' query strings: paging, filters, dates and ids read leniently, never a 500."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs

import pytest
from django.http import HttpRequest
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from cunwu.core.listing import PARAM_MAX_LENGTH, get_params, paginate, parse_date, parse_int

ROWS = list(range(1, 96))  # 95 rows: pages of 30 → 4 pages, the last one of 5


def _get(query: str) -> HttpRequest:
    return RequestFactory().get(f"/list/?{query}")


def test_the_requested_page_holds_its_rows() -> None:
    page, _ = paginate(_get("page=2"), ROWS, 30)
    assert page.number == 2
    assert list(page) == list(range(31, 61))
    assert page.paginator.num_pages == 4


def test_the_page_links_keep_the_other_filters_and_drop_page() -> None:
    _, query = paginate(_get("q=%E5%BC%A0%E4%B8%89&page=3&status=open"), ROWS, 30)
    assert parse_qs(query) == {"q": ["张三"], "status": ["open"]}


def test_the_page_links_drop_the_export_format_when_asked() -> None:
    request = _get("village=430423100224&format=xlsx&page=2")
    _, kept = paginate(request, ROWS, 30)
    _, dropped = paginate(request, ROWS, 30, drop=("format",))
    assert parse_qs(kept) == {"village": ["430423100224"], "format": ["xlsx"]}
    assert parse_qs(dropped) == {"village": ["430423100224"]}


def test_a_repeated_filter_keeps_all_its_values() -> None:
    _, query = paginate(_get("tag=a&tag=b&page=2"), ROWS, 30)
    assert parse_qs(query) == {"tag": ["a", "b"]}


@pytest.mark.parametrize(
    ("raw", "number"),
    [("", 1), ("abc", 1), ("1.5", 1), ("%00", 1), ("0", 4), ("-1", 4), ("999", 4), ("4", 4)],
)
def test_a_bad_page_number_falls_back_to_the_first_or_last_page(raw: str, number: int) -> None:
    page, _ = paginate(_get(f"page={raw}"), ROWS, 30)
    assert page.number == number


def test_no_rows_is_one_empty_page() -> None:
    page, query = paginate(_get("page=5"), list[int](), 30)
    assert page.number == 1
    assert list(page) == []
    assert query == ""


def test_params_are_empty_when_absent_and_cut_to_length() -> None:
    long = "村" * (PARAM_MAX_LENGTH + 20)
    params = get_params(_get(f"q={long}&extra=1"), "q", "status")
    assert params == {"q": "村" * PARAM_MAX_LENGTH, "status": ""}


def test_params_keep_white_space_unless_stripped() -> None:
    request = _get("q=+%E5%BC%A0%E4%B8%89+")
    assert get_params(request, "q") == {"q": " 张三 "}
    assert get_params(request, "q", strip=True) == {"q": "张三"}


def test_an_iso_date_parses() -> None:
    assert parse_date("2026-11-24") == date(2026, 11, 24)


@pytest.mark.parametrize(
    "raw", ["", "junk", "2026-02-30", "2026-13-01", "24/11/2026", "2026年11月"]
)
def test_a_missing_or_junk_date_is_none(raw: str) -> None:
    assert parse_date(raw) is None


@pytest.mark.parametrize(
    ("raw", "value"),
    [("0", 0), ("7", 7), ("2026", 2026), ("999999999", 999999999), ("２０２６", 2026)],
)
def test_a_whole_number_parses(raw: str, value: int) -> None:
    assert parse_int(raw) == value


@pytest.mark.parametrize(
    "raw", ["", "-1", "+1", "1.5", "1e3", "0x10", " 1", "1 ", "abc", "1234567890", "²", "1²", "⑴"]
)
def test_a_missing_signed_fractional_or_too_long_number_is_none(raw: str) -> None:
    assert parse_int(raw) is None


@given(st.text(max_size=12))
def test_parse_int_and_parse_date_never_raise(raw: str) -> None:
    number = parse_int(raw)
    assert number is None or 0 <= number < 10**9
    parse_date(raw)
