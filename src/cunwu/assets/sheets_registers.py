"""The register spreadsheet (资产资源台账导入): its columns, the template, reading an upload and
the error report. Reading is the registry's (python-calamine for xlsx; csv in UTF-8 with or
without BOM, else GB18030, a superset of GBK), as the points opening-balance import reads; the
checks are ``services.registers.assets_import``'s, which are ``asset_create``'s.

The header is the first non-blank row; every data row becomes ``(row number, {header: text})``
with dates as ``YYYY-MM-DD`` and integral numbers without ``.0``, so that the checked rows can
wait in the session for the confirmation and be checked again as they were.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cunwu.core.errors import ApplicationError
from cunwu.disclosure.benefit_sheets import cell_text
from cunwu.registry.imports import read_rows, write_error_report

from .models import CATEGORY_CLASS, AssetCategory, AssetClass, AssetStatus

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
SHEET_TITLE = "资产资源台账"
CHOICES_TITLE = "可选值"

RowError = tuple[int, str, str, str]  # (row, column, message, value as given)
SheetRow = tuple[int, dict[str, str]]  # (spreadsheet row number, {header: text})


@dataclass(frozen=True)
class Column:
    header: str
    field: str  # the AssetData field
    required: bool = False
    width: int = 14
    note: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("台账编号", "number", width=12,
           note="本村内唯一，1到20位字母、数字或“-”；留空则自动编号（如 ZC-0001）"),
    Column("类别", "category", required=True, width=18,
           note="按“可选值”表填写，如 房屋建筑物、耕地"),
    Column("名称", "name", required=True, width=20, note="至多60字，如 村部闲置厂房"),
    Column("坐落位置", "location", width=20, note="可不填，至多200字"),
    Column("面积或数量", "quantity", required=True, width=12, note="大于0，最多两位小数"),
    Column("单位", "unit", required=True, width=8, note="如 亩、平方米、台、株"),
    Column("原值（元）", "original_value", note="单位元，不小于0，最多两位小数；不填为0"),
    Column("账面价值（元）", "book_value", note="单位元；不填则与原值相同"),
    Column("参考年租金（元）", "reference_price", width=16,
           note="评估价或乡镇指导价；可不填"),
    Column("取得日期", "acquired_on", width=12,
           note="如 2015-06-30，不能晚于今天；可不填"),
    Column("取得方式", "source", note="如 自建、购置、划拨、捐赠；可不填"),
    Column("使用状态", "status", width=16,
           note="按“可选值”表填写；不填为自营自用；“已处置”不能导入"),
    Column("备注", "note", width=24, note="可不填"),
)  # fmt: skip
HEADERS = tuple(c.header for c in COLUMNS)
REQUIRED = tuple(c.header for c in COLUMNS if c.required)
BY_FIELD = {c.field: c.header for c in COLUMNS}
# what people type for the same header (half-width brackets are made full-width first)
ALIASES = {
    "编号": "台账编号", "资产编号": "台账编号", "资产名称": "名称", "资源名称": "名称",
    "面积": "面积或数量", "数量": "面积或数量", "原值": "原值（元）", "账面价值": "账面价值（元）",
    "参考年租金": "参考年租金（元）", "状态": "使用状态", "位置": "坐落位置",
}  # fmt: skip
LIVE_STATUSES = tuple(s for s in AssetStatus if s != AssetStatus.DISPOSED)
CLASS_LABELS = dict(AssetClass.choices)


def normal_header(text: str) -> str:
    header = "".join(text.split()).replace("(", "（").replace(")", "）")
    return ALIASES.get(header, header)


def _cell(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return cell_text(value)


@dataclass
class Sheet:
    """What an upload holds: its header row (number and cells, normalised, blank as "") and
    its non-blank data rows."""

    header_row: int
    header: list[str]
    rows: list[SheetRow]


def read_sheet(file_name: str, data: bytes) -> Sheet:
    """The first sheet of an xlsx or a csv file, read as the points opening import reads."""
    name = str(file_name or "").lower()
    if not name.endswith((".xlsx", ".csv")):
        raise ApplicationError("import_file_type", "只能上传xlsx或csv文件", field="file")
    if not data:
        raise ApplicationError("import_empty", "文件是空的", field="file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ApplicationError("import_too_big", "文件不能超过8MB", field="file")
    suffix = ".csv" if name.endswith(".csv") else ".xlsx"
    header: list[str] = []
    at = 0
    rows: list[SheetRow] = []
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        tmp.write(data)
        tmp.flush()
        try:
            for n, cells in read_rows(Path(tmp.name)):
                texts = [_cell(c) for c in cells]
                if not header:
                    if any(texts):
                        header, at = [normal_header(t) for t in texts], n
                    continue
                values = {h: texts[i] if i < len(texts) else "" for i, h in enumerate(header) if h}
                if any(values.values()):
                    rows.append((n, values))
        except ApplicationError as exc:
            raise ApplicationError(exc.code, exc.message, field="file") from None
    if not header:
        raise ApplicationError("import_empty", "文件是空的", field="file")
    return Sheet(header_row=at, header=header, rows=rows)


def template_bytes() -> bytes:
    """The template: the thirteen columns (台账编号 as text, drop-down lists for 类别 and 使用状态),
    a sheet of the allowed 类别 and 使用状态, and a sheet explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.create_sheet(SHEET_TITLE, 0)
    wb.remove(wb.worksheets[1])
    ws.append(list(HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    for row in ws.iter_rows(min_row=2, max_row=1000, max_col=1):
        for cell in row:
            cell.number_format = "@"
    ws.freeze_panes = "A2"

    choices = wb.create_sheet(CHOICES_TITLE)
    choices.append(["类别", "资产类型", "使用状态"])
    categories = list(AssetCategory)
    for i in range(max(len(categories), len(LIVE_STATUSES))):
        category = categories[i] if i < len(categories) else None
        status = LIVE_STATUSES[i] if i < len(LIVE_STATUSES) else None
        choices.append([
            str(category.label) if category else None,
            CLASS_LABELS[CATEGORY_CLASS[category]] if category else None,
            str(status.label) if status else None,
        ])  # fmt: skip
    for cell in choices[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABC", (20, 10, 18), strict=True):
        choices.column_dimensions[letter].width = width
    for header, letter, count in (
        ("类别", "A", len(categories)),
        ("使用状态", "C", len(LIVE_STATUSES)),
    ):
        at = get_column_letter(HEADERS.index(header) + 1)
        rule = DataValidation(
            type="list", formula1=f"'{CHOICES_TITLE}'!${letter}$2:${letter}${count + 1}",
            allow_blank=True, showErrorMessage=True, errorTitle=header,
            error=f"请按“{CHOICES_TITLE}”表填写{header}",
        )  # fmt: skip
        ws.add_data_validation(rule)
        rule.add(f"{at}2:{at}1000")

    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "必填", "说明"])
    for column in COLUMNS:
        notes.append([column.header, "是" if column.required else "", column.note])
    notes.append(["", "", "表头在第1行，列名请勿修改；有任何错误时整表不导入。"])
    for letter, width in zip("ABC", (16, 6, 70), strict=True):
        notes.column_dimensions[letter].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def error_report_bytes(errors: Iterable[RowError]) -> bytes:
    """行号, 列名, 错误说明, 填写内容 (what was typed is written back as text, never a formula)."""
    out = io.BytesIO()
    write_error_report(errors, out)
    return out.getvalue()


def describe(error: RowError) -> str:
    row, column, message, _value = error
    return f"第{row}行【{column}】{message}"
