"""The 惠民资金 spreadsheet: its template, reading an upload (xlsx through python-calamine, csv in
UTF-8 or GB18030) and the error report. The checks are ``services_benefit.benefit_import``'s.

Columns (header in row 1, other columns ignored): 姓名, 公民身份号码, 金额（元）, 发放日期, and
optionally 补贴项目 (overrides the batch's item for that row).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from typing import Any, cast

from cunwu.core.errors import ApplicationError
from cunwu.core.spreadsheets import formula_safe

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
NAME, ID_NUMBER, AMOUNT, PAID_ON, ITEM = (
    "姓名",
    "公民身份号码",
    "金额（元）",
    "发放日期",
    "补贴项目",
)
REQUIRED = (NAME, ID_NUMBER, AMOUNT, PAID_ON)
# what people type for the same header (half-width brackets, no unit)
ALIASES = {"金额(元)": AMOUNT, "金额": AMOUNT, "身份证号码": ID_NUMBER, "身份证号": ID_NUMBER}
NOTES = (
    (NAME, "领取人姓名，与身份证一致"),
    (ID_NUMBER, "18位公民身份号码（请将该列设为文本格式，以免末尾数字被改成0）"),
    (AMOUNT, "发放金额，单位元，大于0，最多两位小数"),
    (PAID_ON, "发放日期，如 2026-03-15，不能晚于今天"),
    (ITEM, "可选：补贴项目；留空时用上传时填写的项目"),
)

Cell = str | int | float | bool | date | datetime | time | None
RowError = tuple[int, str, str, str]  # (row, column, message, value as shown)


def cell_text(value: Any) -> str:
    """A cell as the text a person typed: integral numbers without ``.0``, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _csv_rows(data: bytes) -> Iterator[list[Cell]]:
    if b"\x00" in data[: 1 << 20]:
        raise ApplicationError("import_not_spreadsheet", "文件不是xlsx或csv表格", field="file")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data[: 1 << 20], final=False)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "gb18030"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise ApplicationError(
            "import_encoding", "文件编码无法识别，请在表格软件中另存为“CSV UTF-8”格式", field="file"
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            yield cast(list[Cell], row)
    except csv.Error as exc:
        raise ApplicationError("import_csv", f"CSV格式错误：{exc}", field="file") from None


def _xlsx_rows(data: bytes) -> Iterator[list[Cell]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        rows = list(sheet.iter_rows())
    except (CalamineError, ValueError, OSError) as exc:
        raise ApplicationError(
            "import_not_spreadsheet",
            f"无法读取表格文件（{exc}），请确认是xlsx或csv文件",
            field="file",
        ) from None
    # calamine gives rows from the first sheet row but cells from the first used column
    pad: list[Cell] = [""] * (sheet.start[1] if sheet.start else 0)
    for row in rows:
        yield pad + cast(list[Cell], row)


def read_rows(file_name: str, data: bytes) -> list[tuple[int, dict[str, Cell]]]:
    """(spreadsheet row number, {header: cell}) of the data rows; blank rows left out."""
    name = file_name.lower()
    if not name.endswith((".xlsx", ".csv")):
        raise ApplicationError("import_file_type", "只能上传xlsx或csv文件", field="file")
    if not data:
        raise ApplicationError("import_empty", "文件是空的", field="file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ApplicationError("import_too_big", "文件不能超过8MB", field="file")
    rows = _xlsx_rows(data) if data.startswith(b"PK\x03\x04") else _csv_rows(data)
    positions: dict[str, int] = {}
    out: list[tuple[int, dict[str, Cell]]] = []
    for n, cells in enumerate(rows, start=1):
        if not positions:
            header = [cell_text(c) for c in cells]
            if not any(header):
                continue  # blank lines above the header
            header = [ALIASES.get(h.replace(" ", ""), h.replace(" ", "")) for h in header]
            missing = [h for h in REQUIRED if h not in header]
            if missing:
                raise ApplicationError(
                    "benefit_columns",
                    f"第{n}行（表头）缺少列：{'、'.join(missing)}（请使用下载的模板）",
                    field="file",
                )
            positions = {h: header.index(h) for h in (*REQUIRED, ITEM) if h in header}
            continue
        values = {h: cells[i] if i < len(cells) else None for h, i in positions.items()}
        if all(cell_text(v) == "" for v in values.values()):
            continue
        out.append((n, values))
    if not positions:
        raise ApplicationError("import_empty", "文件是空的", field="file")
    return out


def template_bytes() -> bytes:
    """The template: the five columns (the ID column formatted as text) and a sheet of notes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.create_sheet("惠民资金发放名单", 0)
    wb.remove(wb.worksheets[1])
    ws.title = "惠民资金发放名单"
    ws.append([NAME, ID_NUMBER, AMOUNT, PAID_ON, ITEM])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in ws.iter_rows(min_row=2, max_row=2000, min_col=2, max_col=2):
        for cell in row:
            cell.number_format = "@"
    for letter, width in zip("ABCDE", (12, 22, 12, 14, 20), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "说明"])
    for header, note in NOTES:
        notes.append([header, note])
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 60
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def error_report_bytes(errors: Iterable[RowError]) -> bytes:
    """行号, 列名, 错误说明, 填写内容 — one row per bad cell (ID numbers already masked)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("错误报告")
    ws.column_dimensions["A"].width = 8
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 60
    ws.column_dimensions["D"].width = 24
    ws.append(["行号", "列名", "错误说明", "填写内容"])
    for row, column, message, value in errors:
        ws.append([row or "", formula_safe(column), formula_safe(message), formula_safe(value)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def describe(error: RowError) -> str:
    row, column, message, _value = error
    return f"第{row}行【{column}】{message}"
