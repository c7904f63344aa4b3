"""What a notice may contain: safe HTML, masked personal numbers, no illness details, checked
attachments. Everything here runs before anything is stored, so a notice never holds a full ID
or phone number."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

import nh3

from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import mask_phone
from cunwu.core.idnumber import mask_id_number

MAX_TITLE = 120
MAX_BODY = 50_000
MAX_COLUMNS = 20
MAX_ROWS = 5_000
MAX_CELL = 200
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10

_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h2", "h3", "h4",
    "table", "thead", "tbody", "tr", "th", "td", "blockquote", "a",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}

# an 18-digit resident ID (last may be X) or an old 15-digit one, not part of a longer number
_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
# a mainland mobile number, possibly written 138-0000-0000 or 138 0000 0000
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")

# headers that would put illness details on a public notice (公开内容不得含病情)
_ILLNESS = re.compile(r"病|健康|诊断|残疾类别|残疾等级|住院|医疗费")

ATTACHMENT_TYPES = {
    b"%PDF-": ("application/pdf", ".pdf"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
}


def mask_numbers(text: str) -> str:
    """Full ID and mobile numbers in free text become their masked forms."""
    text = _ID.sub(lambda m: mask_id_number(m.group(1).upper()), text)
    return _PHONE.sub(lambda m: mask_phone(m.group(1) + m.group(2) + m.group(3)), text)


def clean_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise ApplicationError("title_required", "请填写标题", field="title")
    if len(title) > MAX_TITLE:
        raise ApplicationError("title_too_long", f"标题不能超过{MAX_TITLE}个字", field="title")
    return mask_numbers(title)


def clean_body(body: str) -> str:
    """Sanitised HTML (no scripts, styles or event handlers; links only http(s)), masked."""
    if len(body) > MAX_BODY:
        raise ApplicationError("body_too_long", f"正文不能超过{MAX_BODY}个字符", field="body")
    if "\x00" in body:
        raise ApplicationError("body_invalid", "正文含有无效字符", field="body")
    safe = nh3.clean(
        body,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow",
    )
    return mask_numbers(safe).strip()


def clean_table(table: Any) -> dict[str, Any]:
    """``{"columns": [...], "rows": [[...]]}`` with text cells, masked; ``{}`` when empty."""
    if not table:
        return {}
    if not isinstance(table, dict):
        raise ApplicationError("table_invalid", "名单表格格式有误", field="table")
    columns = table.get("columns") or []
    rows = table.get("rows") or []
    if not isinstance(columns, list) or not isinstance(rows, list):
        raise ApplicationError("table_invalid", "名单表格格式有误", field="table")
    if not columns:
        if rows:
            raise ApplicationError("table_no_columns", "名单表格缺少表头", field="table")
        return {}
    if len(columns) > MAX_COLUMNS:
        raise ApplicationError("table_too_wide", f"名单表格至多{MAX_COLUMNS}列", field="table")
    if len(rows) > MAX_ROWS:
        raise ApplicationError("table_too_long", f"名单表格至多{MAX_ROWS}行", field="table")
    headers = [_cell(c, 0, i) for i, c in enumerate(columns)]
    for i, header in enumerate(headers):
        if not header:
            raise ApplicationError("table_header_empty", f"第{i + 1}列表头为空", field="table")
        if _ILLNESS.search(header):
            raise ApplicationError(
                "table_illness",
                f"公开名单不能含有病情等健康信息（列“{header}”），请删除该列",
                field="table",
            )
    clean_rows = []
    for r, row in enumerate(rows, start=1):
        if not isinstance(row, list):
            raise ApplicationError("table_invalid", f"名单第{r}行格式有误", field="table")
        if len(row) != len(headers):
            raise ApplicationError(
                "table_row_width",
                f"名单第{r}行有{len(row)}格，表头有{len(headers)}列",
                field="table",
            )
        clean_rows.append([mask_numbers(_cell(v, r, c)) for c, v in enumerate(row)])
    return {"columns": [mask_numbers(h) for h in headers], "rows": clean_rows}


def _cell(value: Any, row: int, column: int) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ApplicationError(
            "table_cell_invalid", f"名单第{row}行第{column + 1}列不是文字或数字", field="table"
        )
    text = str(value).strip()
    if len(text) > MAX_CELL or "\x00" in text:
        raise ApplicationError(
            "table_cell_invalid",
            f"名单第{row}行第{column + 1}列过长或含无效字符（至多{MAX_CELL}字）",
            field="table",
        )
    return text


def check_attachment(name: str, data: bytes) -> tuple[str, str, str]:
    """(content type, extension, sha256) of a PDF, PNG or JPEG up to 10 MB, by its bytes."""
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ApplicationError(
            "attachment_too_big",
            f"附件“{name}”超过{MAX_ATTACHMENT_BYTES // 1024 // 1024} MB",
            field="attachment",
        )
    for magic, (content_type, extension) in ATTACHMENT_TYPES.items():
        if data.startswith(magic):
            return content_type, extension, hashlib.sha256(data).hexdigest()
    raise ApplicationError(
        "attachment_type", f"附件“{name}”不是 PDF、PNG 或 JPEG 文件", field="attachment"
    )


def store_attachments(
    files: list[tuple[str, bytes]], make: Callable[..., Any], *, limit: int,
    default_name: str = "附件", noun: str = "文件", unit: str = "个",
) -> list[Any]:  # fmt: skip
    """Save ``files`` (name, bytes) as attachments, all or none: each is checked first
    (:func:`check_attachment`, errors on ``field="files"``), then ``make(original_name=…,
    content_type=…, size=…, sha256=…)`` builds the unsaved record of a model with a ``file``
    field, which is stored under its digest and saved. At most ``limit`` at a time."""
    from django.core.files.base import ContentFile

    if not files:
        raise ApplicationError("files_required", f"请选择{noun}", field="files")
    if len(files) > limit:
        raise ApplicationError("files_too_many", f"每次至多上传{limit}{unit}{noun}", field="files")
    checked = []
    for raw_name, data in files:
        name = raw_name[:200] or default_name
        try:
            content_type, extension, sha = check_attachment(name, data)
        except ApplicationError as exc:
            raise ApplicationError(exc.code, exc.message, field="files") from exc
        checked.append((name, data, content_type, extension, sha))
    records = []
    for name, data, content_type, extension, sha in checked:
        record = make(original_name=name, content_type=content_type, size=len(data), sha256=sha)
        record.file.save(f"{sha[:16]}.{extension}", ContentFile(data), save=False)
        record.save()
        records.append(record)
    return records
