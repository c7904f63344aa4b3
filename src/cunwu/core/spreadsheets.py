"""Spreadsheet downloads of the list pages: xlsx (openpyxl) or csv, formula-safe.

Staff open these files in Excel or WPS, and their cells hold what villagers and staff typed
(names, memos, complaints). A text cell starting with ``=`` ``+`` ``-`` ``@`` (or a tab or a
carriage return, which some spreadsheet programs skip before such a sign) would run as a
formula when the file is opened: CSV/formula injection. Every cell written here goes through
``formula_safe`` first.

A download is named ``<title>-YYYYMMDD.<ext>`` (today in the local time zone), with the name in
an RFC 5987 ``filename*`` so that Chinese titles survive every browser.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
# the characters that make a spreadsheet program read a text cell as a formula
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Excel refuses a sheet title longer than this
SHEET_TITLE_MAX = 31
# without a byte order mark Excel reads a UTF-8 csv as the local code page (mojibake)
_BOM = "\ufeff"

# (sheet title, header, rows)
Sheet = tuple[str, Sequence[Any], Iterable[Sequence[Any]]]


def formula_safe(value: Any) -> Any:
    """``value``, or a text value that would run as a formula kept as text (a leading ``'``)."""
    if isinstance(value, str) and value[:1] in FORMULA_PREFIXES:
        return "'" + value
    return value


def attachment(response: HttpResponse, filename: str) -> HttpResponse:
    """``response`` marked as a download named ``filename`` (RFC 5987, UTF-8)."""
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def dated_filename(title: str, extension: str) -> str:
    """``<title>-YYYYMMDD.<extension>``, today's date in the local time zone."""
    return f"{title}-{timezone.localdate():%Y%m%d}.{extension}"


def xlsx_response(title: str, sheets: Iterable[Sheet]) -> HttpResponse:
    """An xlsx download of one or several sheets, each a header row then its rows."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for name, header, rows in sheets:
        ws = wb.create_sheet(name[:SHEET_TITLE_MAX])
        ws.append(list(header))
        for row in rows:
            ws.append([formula_safe(cell) for cell in row])
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_CONTENT_TYPE)
    return attachment(response, dated_filename(title, "xlsx"))


def xlsx_table(title: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """An xlsx download of one sheet named after ``title``."""
    return xlsx_response(title, [(title, header, rows)])


def csv_table(title: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """A csv download (UTF-8 with a byte order mark, for Excel) of a header and its rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([formula_safe(cell) for cell in row] for row in rows)
    response = HttpResponse(_BOM + buffer.getvalue(), content_type=CSV_CONTENT_TYPE)
    return attachment(response, dated_filename(title, "csv"))


# a list page's ``?format=`` → its one-sheet download: ``TABLE_DOWNLOADS[fmt](title, header, rows)``
TABLE_DOWNLOADS: dict[
    str, Callable[[str, Sequence[Any], Iterable[Sequence[Any]]], HttpResponse]
] = {"csv": csv_table, "xlsx": xlsx_table}
