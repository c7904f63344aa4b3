"""Spreadsheet downloads: the file opens, holds its header and rows, is named for today, and no
cell a villager typed can run as a formula."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any
from urllib.parse import quote

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from cunwu.core.spreadsheets import (
    CSV_CONTENT_TYPE,
    TABLE_DOWNLOADS,
    XLSX_CONTENT_TYPE,
    csv_table,
    formula_safe,
    xlsx_response,
    xlsx_table,
)

HEADER = ["户编号", "户主", "积分", "备注"]
ROWS: list[list[Any]] = [
    ["0001", "张三", 120, '=HYPERLINK("http://example.com","点我")'],
    ["0002", "李四", -5, "-2+3"],
    ["0003", "王五", 0, ""],
]


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> date:
    day = date(2026, 11, 24)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
    return day


def _sheets(content: bytes) -> dict[str, list[list[Any]]]:
    wb = load_workbook(io.BytesIO(content), read_only=True)
    return {
        ws.title: [
            [c if c is not None else "" for c in row] for row in ws.iter_rows(values_only=True)
        ]
        for ws in wb.worksheets
    }


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_a_text_cell_that_would_run_as_a_formula_is_prefixed(text: str) -> None:
    assert formula_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["张三", "", "1-2", "a=b", 0, -5, 1.5, None, date(2026, 1, 1)])
def test_other_cells_are_written_as_they_are(value: Any) -> None:
    assert formula_safe(value) == value


def test_an_xlsx_table_opens_with_its_header_and_rows_and_is_named_for_today() -> None:
    response = xlsx_table("积分余额", HEADER, ROWS)
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == (
        "attachment; filename*=UTF-8''" + quote("积分余额-20261124.xlsx")
    )
    assert _sheets(response.content) == {
        "积分余额": [
            HEADER,
            ["0001", "张三", 120, '\'=HYPERLINK("http://example.com","点我")'],
            ["0002", "李四", -5, "'-2+3"],
            ["0003", "王五", 0, ""],
        ]
    }


def test_an_xlsx_download_holds_several_sheets_with_titles_cut_for_excel() -> None:
    long_title = "九龙村委会爱心超市二〇二六年十一月商品收支及兑换积分明细表格"
    response = xlsx_response(
        "九龙村爱心超市2026年11月收支",
        [(long_title, ["商品", "数量"], [["大米", 3]]), ("兑换积分", ["户", "积分"], [])],
    )
    assert response["Content-Disposition"].endswith(
        quote("九龙村爱心超市2026年11月收支-20261124.xlsx")
    )
    assert _sheets(response.content) == {
        long_title[:31]: [["商品", "数量"], ["大米", 3]],
        "兑换积分": [["户", "积分"]],
    }


def test_a_csv_table_opens_in_excel_as_utf8_with_formula_cells_as_text() -> None:
    response = csv_table("问题台账", HEADER, ROWS)
    assert response["Content-Type"] == CSV_CONTENT_TYPE
    assert response["Content-Disposition"] == (
        "attachment; filename*=UTF-8''" + quote("问题台账-20261124.csv")
    )
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text[1:]))) == [
        HEADER,
        ["0001", "张三", "120", '\'=HYPERLINK("http://example.com","点我")'],
        ["0002", "李四", "-5", "'-2+3"],
        ["0003", "王五", "0", ""],
    ]


def test_a_list_page_format_picks_its_download() -> None:
    assert set(TABLE_DOWNLOADS) == {"csv", "xlsx"}
    assert TABLE_DOWNLOADS["csv"]("t", ["a"], [["1"]]).get("Content-Type") == CSV_CONTENT_TYPE
    assert TABLE_DOWNLOADS["xlsx"]("t", ["a"], [["1"]]).get("Content-Type") == XLSX_CONTENT_TYPE
