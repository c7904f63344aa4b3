"""Department files (部门数据): one template per department, reading an upload (xlsx/csv, as
the registry reads: python-calamine, csv in UTF-8 or GB18030), checking each row, matching it to
a person by the ID blind index within the import's region, and the xlsx error report.

A row is invalid (bad ID, date, amount, type), unmatched (no person of the region has the ID),
or a duplicate (the same row earlier in the file, or already kept from an earlier import and
matched): each is reported with its row number, column and message. Valid, non-duplicate rows are
kept as ``DepartmentRecord`` rows (unmatched ones with no person, so that a later import, once the
person is registered, matches them).
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.utils import timezone

from cunwu.core.crypto import blind_index
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import parse_yuan
from cunwu.core.idnumber import validate_id_number
from cunwu.core.listing import parse_int
from cunwu.disclosure.benefit_sheets import cell_text
from cunwu.registry.imports import read_rows, write_error_report
from cunwu.registry.models import Person
from cunwu.registry.services import ID_CONTEXT

from .models import AlertKind, Department, DepartmentImport, DepartmentRecord

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
RowError = tuple[int, str, str, str]  # (row, column, message, value as given)

NAME = "姓名"
ID = "公民身份号码"


@dataclass(frozen=True)
class Template:
    department: str
    kind: str
    date_header: str
    type_header: str = ""
    types: tuple[str, ...] = ()
    amount_header: str = ""
    year_header: str = ""
    extra: tuple[str, ...] = ()

    @property
    def headers(self) -> list[str]:
        cols = [NAME, ID]
        if self.year_header:
            cols.append(self.year_header)
        if self.type_header:
            cols.append(self.type_header)
        cols.append(self.date_header)
        if self.amount_header:
            cols.append(self.amount_header)
        return [*cols, *self.extra]

    @property
    def required(self) -> list[str]:
        req = [NAME, ID, self.date_header]
        if self.type_header:
            req.append(self.type_header)
        if self.amount_header and self.kind == AlertKind.MEDICAL_EXPENSE:
            req.append(self.amount_header)
        return req


TEMPLATES: dict[str, Template] = {
    Department.MEDICAL: Template(Department.MEDICAL, AlertKind.MEDICAL_EXPENSE, "就诊日期",
                                 amount_header="自付金额（元）", year_header="年度"),
    Department.CIVIL: Template(Department.CIVIL, AlertKind.SOCIAL_ASSISTANCE, "开始日期",
                               type_header="救助类型", types=("低保", "特困", "临时救助"),
                               amount_header="救助金额（元）"),
    Department.DISABLED: Template(Department.DISABLED, AlertKind.DISABILITY, "认定日期",
                                  type_header="残疾类别",
                                  types=("视力", "听力", "言语", "肢体", "智力", "精神", "多重"),
                                  extra=("残疾等级",)),
    Department.EDUCATION: Template(Department.EDUCATION, AlertKind.SCHOOL, "日期",
                                   type_header="情况", types=("辍学", "教育资助")),
    Department.HOUSING: Template(Department.HOUSING, AlertKind.DANGEROUS_HOUSING, "鉴定日期",
                                 type_header="危房等级", types=("C级", "D级")),
    Department.LABOUR: Template(Department.LABOUR, AlertKind.UNEMPLOYMENT, "失业登记日期"),
    Department.EMERGENCY: Template(Department.EMERGENCY, AlertKind.DISASTER, "受灾日期",
                                   type_header="灾害类型",
                                   types=("洪涝", "干旱", "地质灾害", "火灾", "风雹", "冰冻",
                                          "地震", "其他"),
                                   amount_header="损失金额（元）"),
    Department.WATER: Template(Department.WATER, AlertKind.DRINKING_WATER, "发现日期",
                               type_header="问题类型", types=("水量不足", "水质不达标",
                                                         "取水不便", "供水中断")),
}  # fmt: skip


def normal_header(text: str) -> str:
    return "".join(text.split()).replace("(", "（").replace(")", "）")


def check_upload(name: str, data: bytes) -> None:
    lower = str(name or "").lower()
    if not lower.endswith((".xlsx", ".csv")):
        raise ApplicationError("import_file_type", "只能上传xlsx或csv文件", field="file")
    if not data:
        raise ApplicationError("import_empty", "文件是空的", field="file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ApplicationError("import_too_big", "文件不能超过20MB", field="file")


def read_table(name: str, data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header (first non-blank row, normalised) and the non-blank data rows."""
    check_upload(name, data)
    suffix = ".csv" if name.lower().endswith(".csv") else ".xlsx"
    header: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        tmp.write(data)
        tmp.flush()
        try:
            for n, cells in read_rows(Path(tmp.name)):
                texts = [_cell(c) for c in cells]
                if not header:
                    if any(texts):
                        header = [normal_header(t) for t in texts]
                    continue
                values = {h: texts[i] if i < len(texts) else "" for i, h in enumerate(header) if h}
                if any(values.values()):
                    rows.append((n, values))
                if len(rows) > MAX_ROWS:
                    raise ApplicationError(
                        "import_too_many", f"一次至多导入{MAX_ROWS}行", field="file"
                    )
        except ApplicationError as exc:
            raise ApplicationError(exc.code, exc.message, field="file") from None
        except Exception:
            raise ApplicationError("import_unreadable", "文件无法读取，请用模板填写后上传",
                                   field="file") from None  # fmt: skip
    if not header:
        raise ApplicationError("import_empty", "文件是空的", field="file")
    return header, rows


def _cell(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()[:10]
    return cell_text(value)


def _date(text: str) -> date:
    t = text.strip().replace("/", "-").replace(".", "-")
    for sep in ("年", "月"):
        t = t.replace(sep, "-")
    t = t.replace("日", "")
    parts = t.split("-")
    try:
        if len(parts) == 3:
            return date(int(parts[0]), int(parts[1]), int(parts[2][:2]))
        if len(t) == 8 and t.isdigit():
            return date(int(t[:4]), int(t[4:6]), int(t[6:]))
    except ValueError:
        pass
    raise ApplicationError("date", "日期无效，应写作 2026-01-31")


@dataclass
class CheckResult:
    total: int = 0
    matched: int = 0
    unmatched: int = 0
    invalid: int = 0
    duplicates: int = 0
    records: list[DepartmentRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _mask(number: str) -> str:
    return number[:6] + "********" + number[-4:] if len(number) == 18 else number


def check_rows(record: DepartmentImport, data: bytes, *, today: date | None = None) -> CheckResult:
    """Every row checked, matched within ``record.region`` and sorted into the result."""
    template = TEMPLATES[record.department]
    header, rows = read_table(record.original_name or str(record.file.name), data)
    missing = [h for h in template.required if h not in header]
    if missing:
        raise ApplicationError(
            "import_headers",
            f"缺少列：{'、'.join(missing)}（请使用{Department(record.department).label}模板）",
            field="file",
        )
    result = CheckResult(total=len(rows))
    today = today or timezone.localdate()
    parsed: list[tuple[int, str, str, dict[str, Any]]] = []  # row, index, key, fields
    for n, values in rows:
        errors: list[RowError] = []
        raw_id = values.get(ID, "")
        number = ""
        try:
            number = validate_id_number(raw_id)
        except ApplicationError as exc:
            errors.append((n, ID, exc.message, _mask(raw_id)))
        name = values.get(NAME, "").strip()
        if not name:
            errors.append((n, NAME, "姓名不能为空", ""))
        on: date | None = None
        try:
            on = _date(values.get(template.date_header, ""))
            if on > today:
                errors.append((n, template.date_header, "日期不能晚于今天", on.isoformat()))
        except ApplicationError as exc:
            errors.append(
                (n, template.date_header, exc.message, values.get(template.date_header, ""))
            )
        kind_value = ""
        if template.type_header:
            kind_value = values.get(template.type_header, "").strip()
            if kind_value not in template.types:
                errors.append((n, template.type_header,
                               f"应为：{'、'.join(template.types)}", kind_value))  # fmt: skip
        amount: int | None = None
        if template.amount_header and values.get(template.amount_header, "").strip():
            try:
                amount = parse_yuan(values[template.amount_header])
                if amount < 0:
                    raise ApplicationError("amount", "金额不能为负数")
            except ApplicationError as exc:
                errors.append(
                    (n, template.amount_header, exc.message, values[template.amount_header])
                )
        elif template.amount_header in template.required:
            errors.append((n, template.amount_header, "金额不能为空", ""))
        year = on.year if on else 0
        if template.year_header and values.get(template.year_header, "").strip():
            text = values[template.year_header].strip().removesuffix("年")
            stated = parse_int(text)
            if stated is not None and 2000 <= stated <= today.year:
                year = stated
            else:
                errors.append((n, template.year_header, "年度无效", values[template.year_header]))
        if errors:
            result.invalid += 1
            result.errors.extend(errors)
            continue
        index = blind_index(number, context=ID_CONTEXT)
        extras = {h: values.get(h, "")[:50] for h in template.extra if values.get(h)}
        key_text = f"{template.department}|{index}|{year}|{on}|{kind_value}|{amount}"
        key = hashlib.sha256(key_text.encode()).hexdigest()[:32]
        fields = {"on": on, "year": year, "type": kind_value, "amount": amount, "extra": extras}
        parsed.append((n, index, key, fields))
    # duplicates: within the file, and rows already kept (matched) from an earlier import
    indexes = sorted({p[1] for p in parsed})
    kept: set[str] = set()
    for i in range(0, len(indexes), 1000):
        for details in DepartmentRecord.objects.filter(
            department=template.department, id_index__in=indexes[i : i + 1000],
            person__isnull=False,
        ).values_list("details", flat=True):  # fmt: skip
            kept.add((details or {}).get("key", ""))
    persons: dict[str, tuple[int, int, str, str]] = {}
    prefix = record.region.prefix
    for i in range(0, len(indexes), 1000):
        for pk, idx, household, village, county in Person.objects.filter(
            id_number_index__in=indexes[i : i + 1000],
            household__village__code__startswith=prefix,
        ).values_list("pk", "id_number_index", "household_id", "household__village_id",
                      "county_code"):  # fmt: skip
            persons[str(idx)] = (pk, household, village, county)
    seen: dict[str, int] = {}
    for n, index, key, f in parsed:
        if key in seen:
            result.duplicates += 1
            result.errors.append((n, ID, f"与第{seen[key]}行重复", ""))
            continue
        seen[key] = n
        if key in kept:
            result.duplicates += 1
            result.errors.append((n, ID, "此行已在之前的导入中导入过", ""))
            continue
        match = persons.get(index)
        if match is None:
            result.unmatched += 1
            result.errors.append((n, ID, "本辖区户籍中未找到此人", ""))
        else:
            result.matched += 1
        kept_details: dict[str, Any] = {"key": key}
        if f["type"]:
            kept_details["type"] = f["type"]
        kept_details.update(f["extra"])
        result.records.append(
            DepartmentRecord(
                source_import=record,
                row_number=n,
                department=template.department,
                kind=template.kind,
                county_code=(match[3] if match else record.region.code[:6]),
                id_index=index,
                person_id=match[0] if match else None,
                household_id=match[1] if match else None,
                village_id=match[2] if match else None,
                year=f["year"],
                event_date=f["on"],
                amount_fen=f["amount"],
                details=kept_details,
            )
        )
    result.errors.sort(key=lambda e: e[0])
    return result


def template_bytes(department: str) -> bytes:
    """The template of a department: its headers (公民身份号码 as text), a notes sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    template = TEMPLATES[department]
    wb = Workbook()
    ws = wb.create_sheet()
    wb.remove(wb.worksheets[0])
    ws.title = f"{Department(department).label}数据"
    ws.append(template.headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in ws.iter_rows(min_row=2, max_row=1000, min_col=2, max_col=2):
        for cell in row:
            cell.number_format = "@"
    ws.column_dimensions["B"].width = 22
    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "必填", "说明"])
    for h in template.headers:
        note = {
            NAME: "与户籍登记一致",
            ID: "18位（15位旧号自动升位）；请保持文本格式",
            template.date_header: "如 2026-01-31，不能晚于今天",
            template.type_header: "、".join(template.types),
            template.amount_header: "单位元，最多两位小数",
            template.year_header: "如 2026；不填按日期所在年度",
        }.get(h, "可不填")
        notes.append([h, "是" if h in template.required else "", note])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def error_report_bytes(errors: Iterable[RowError]) -> bytes:
    out = io.BytesIO()
    write_error_report(errors, out)
    return out.getvalue()
