"""The opening-balance spreadsheet (期初结转): its template, reading an upload and the error
report. The checks and the booking are ``services.opening_balances_import``'s; reading files is
the registry's (python-calamine for xlsx, csv in UTF-8 or GB18030).

Columns: 户编号, 户主姓名, 累计积分, 可用积分 (the header in row 1; other columns are ignored).
The 结转日期 is chosen once for the whole file. The template comes pre-filled with the village's
households that have no ledger rows yet; a row whose two figures stay blank is skipped.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.registry.imports import read_rows, write_error_report
from cunwu.registry.models import Household, HouseholdStatus, Person, PersonStatus

from .models import LedgerEntry
from .services import OPENING_COLUMNS, OpeningRow, RowError

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
SHEET_TITLE = "期初积分"
NOTES = (
    ("户编号", "本村户籍中的户编号（模板已列出尚未结转的户）"),
    ("户主姓名", "与户籍登记的户主姓名一致，用于核对"),
    ("累计积分", "纸质台账上该户历年累计获得的积分，不小于0的整数"),
    ("可用积分", "尚未兑换的积分，不大于累计积分；两项都留空的户不结转"),
)


def template_bytes(village: Region) -> bytes:
    """The template: the four columns, pre-filled with the village's active households that
    have no ledger rows yet (户编号 and 户主姓名), and a sheet explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    booked = LedgerEntry.objects.filter(village=village).values("account__household_id")
    households = list(
        Household.objects.filter(village=village, status=HouseholdStatus.ACTIVE)
        .exclude(pk__in=booked)
        .order_by("number")
        .values_list("pk", "number")
    )
    heads = dict(
        Person.objects.filter(
            household__village=village, relation="户主", status=PersonStatus.ACTIVE
        ).values_list("household_id", "name")
    )
    wb = Workbook()
    ws = wb.create_sheet(SHEET_TITLE, 0)
    wb.remove(wb.worksheets[1])
    ws.append(list(OPENING_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for pk, number in households:
        ws.append([number, heads.get(pk, ""), None, None])
    for row in ws.iter_rows(min_row=2, max_col=1):
        for cell in row:
            cell.number_format = "@"
    for letter, width in zip("ABCD", (12, 12, 12, 12), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "说明"])
    for header, note in NOTES:
        notes.append([header, note])
    notes.append(["结转日期", "上传时选择一次，适用于整个文件"])
    notes.column_dimensions["A"].width = 12
    notes.column_dimensions["B"].width = 60
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rows_from_path(path: Path) -> list[OpeningRow]:
    """The data rows of an xlsx or csv file; a missing column is an error naming it."""
    rows: list[OpeningRow] = []
    positions: dict[str, int] = {}
    for n, cells in read_rows(path):
        if n == 1:
            header = [str(c or "").strip() for c in cells]
            missing = [h for h in OPENING_COLUMNS if h not in header]
            if missing:
                raise ApplicationError(
                    "opening_columns",
                    f"第1行缺少列：{'、'.join(missing)}（请使用下载的模板）",
                    field="file",
                )
            positions = {h: header.index(h) for h in OPENING_COLUMNS}
            continue

        values = [
            cells[positions[h]] if positions[h] < len(cells) else None for h in OPENING_COLUMNS
        ]
        rows.append(
            OpeningRow(
                row=n, number=values[0], head=values[1], cumulative=values[2],
                available=values[3],
            )
        )  # fmt: skip
    if not positions:
        raise ApplicationError("import_empty", "文件是空的", field="file")
    return rows


def rows_from_upload(upload: UploadedFile[Any]) -> list[OpeningRow]:
    name = (upload.name or "").lower()
    if not name.endswith((".xlsx", ".csv")):
        raise ApplicationError("import_file_type", "只能上传xlsx或csv文件", field="file")
    if not upload.size:
        raise ApplicationError("import_empty", "文件是空的", field="file")
    if upload.size > MAX_UPLOAD_BYTES:
        raise ApplicationError("import_too_big", "文件不能超过8MB", field="file")
    suffix = ".csv" if name.endswith(".csv") else ".xlsx"
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        return rows_from_path(Path(tmp.name))


def error_report_bytes(errors: Iterable[RowError]) -> bytes:
    out = io.BytesIO()
    write_error_report(errors, out)
    return out.getvalue()


def describe(error: RowError) -> str:
    row, column, message, _value = error
    return f"第{row}行【{column}】{message}"
