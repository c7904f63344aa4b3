"""Export of a region's households to xlsx, in the import template's columns.

An export of one village imports back into an empty village unchanged (same households, same
persons, same values). The export is the current register: active households and their
active members. Full ID numbers and phones are written only for an actor holding
``registry.view_full_id`` over the whole region (the command line without ``--user`` acts as
the system and writes them); otherwise the masked forms. Every export is an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from cunwu.accounts.permissions import require, scope_prefixes
from cunwu.core.formatting import format_date
from cunwu.core.models import Region
from cunwu.core.services.audit import audit_append

from .imports import COLUMNS, HEADERS, NOTES_TITLE
from .models import HEAD, HouseholdStatus, Person, PersonStatus
from .services import ID_CONTEXT, PHONE_CONTEXT

SHEET_TITLE_MAX = 31  # Excel's limit
_INVALID_TITLE = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass
class ExportResult:
    households: int = 0
    persons: int = 0
    villages: int = 0
    full_id: bool = False


def covers(actor: Any, perm: str, region: Region) -> bool:
    """Whether ``actor`` holds ``perm`` over all of ``region`` (the system always does)."""
    if actor is None:
        return True
    prefixes = scope_prefixes(actor, perm)
    return prefixes is None or any(region.prefix.startswith(p) for p in prefixes)


# the person fields read for each row, in this order
_FIELDS = (
    "household__village_id",
    "household__village__name",
    "household_id",
    "household__number",
    "household__group__name",
    "household__address",
    "household__tags",
    "name",
    "relation",
    "id_number_enc",
    "id_masked",
    "id_pending_reason",
    "gender",
    "birth_date",
    "phone_enc",
    "phone_masked",
    "ethnicity",
    "education",
    "school_stage",
    "health",
    "disability",
    "labour_ability",
    "work_status",
    "work_place",
    "medical_insurance",
    "pension_insurance",
)
_POSITION = {name: i for i, name in enumerate(_FIELDS)}
# column key → position of its value in a row of _FIELDS (ID and phone handled apart)
_SOURCE = {
    "number": _POSITION["household__number"],
    "group": _POSITION["household__group__name"],
    "address": _POSITION["household__address"],
    "tags": _POSITION["household__tags"],
    **{c.key: _POSITION[c.key] for c in COLUMNS if c.key in _POSITION},
}


def _cell(key: str, value: Any) -> Any:
    if value is None:
        return ""
    if key == "tags":
        return "、".join(t for t in str(value).split("|") if t)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _sheet_title(name: str, code: str, used: set[str]) -> str:
    title = f"{name}{code[-3:]}".translate(_INVALID_TITLE)[:SHEET_TITLE_MAX]
    while title in used:
        title = title[: SHEET_TITLE_MAX - 1] + "_"
    used.add(title)
    return title


def households_export(*, actor: Any, region: Region, target: IO[bytes] | Path) -> ExportResult:
    """Write the households of ``region`` (one sheet per village) and record the export.

    ``registry.export`` over the region; ID numbers and phones in full only with
    ``registry.view_full_id`` over all of it. The audit event names the region, the counts and
    whether full numbers left the system.
    """
    from openpyxl import Workbook

    from cunwu.core.crypto import decrypt_text

    if actor is not None:
        require(actor, "registry.export", region)
    full = covers(actor, "registry.view_full_id", region)
    result = ExportResult(full_id=full)
    persons = (
        Person.objects.filter(
            household__village__code__startswith=region.prefix,
            household__status=HouseholdStatus.ACTIVE,
            status=PersonStatus.ACTIVE,
        )
        .annotate(
            not_head=Case(
                When(relation=HEAD, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("household__village_id", "household__number", "household_id", "not_head", "id")
        .values_list(*_FIELDS)
    )
    wb = Workbook(write_only=True)
    ws: Any = None
    used_titles: set[str] = set()
    village = household = None
    id_column = [c.key for c in COLUMNS].index("id_number")
    phone_column = [c.key for c in COLUMNS].index("phone")
    positions = [_SOURCE.get(c.key) for c in COLUMNS]
    keys = [c.key for c in COLUMNS]

    def new_sheet(title: str) -> Any:
        sheet = wb.create_sheet(title)
        for letter_index, column in enumerate(COLUMNS):
            letter = _letter(letter_index)
            sheet.column_dimensions[letter].width = column.width
        sheet.freeze_panes = "A2"
        sheet.append(list(HEADERS))
        return sheet

    for row in persons.iterator(chunk_size=5000):
        if row[0] != village:
            village = row[0]
            result.villages += 1
            ws = new_sheet(_sheet_title(row[1], row[0], used_titles))
        if row[2] != household:
            household = row[2]
            result.households += 1
        result.persons += 1
        cells = [
            _cell(key, row[pos]) if pos is not None else ""
            for key, pos in zip(keys, positions, strict=True)
        ]
        if full:
            enc = row[_POSITION["id_number_enc"]]
            cells[id_column] = decrypt_text(enc, context=ID_CONTEXT) if enc else ""
            phone = row[_POSITION["phone_enc"]]
            cells[phone_column] = decrypt_text(phone, context=PHONE_CONTEXT) if phone else ""
        else:
            cells[id_column] = row[_POSITION["id_masked"]]
            cells[phone_column] = row[_POSITION["phone_masked"]]
        ws.append(cells)
    if ws is None:
        new_sheet(_sheet_title(region.name, region.code, used_titles))
    notes = wb.create_sheet(NOTES_TITLE)
    who = str(actor) if actor is not None else "系统"
    for line in (
        ["导出范围", region.full_name or region.name],
        ["区划代码", region.code],
        ["导出时间", format_date(timezone.localdate())],
        ["导出人", who],
        ["户数", result.households],
        ["人数", result.persons],
        ["身份证号和电话", "完整" if full else "已脱敏（无权查看完整号码）"],
        ["说明", "只含在册的户和成员；每个村一张工作表，列与导入模板相同"],
    ):
        notes.append(line)
    wb.save(target)
    with transaction.atomic():
        audit_append(
            actor=actor,
            region=region,
            action="registry.export",
            object_type="core.region",
            object_id=region.code,
            payload={
                "region": region.code,
                "name": region.name,
                "villages": result.villages,
                "households": result.households,
                "persons": result.persons,
                "full_id": full,
                "format": "xlsx",
            },
        )
    return result


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def export_filename(region: Region) -> str:
    return f"户籍人口-{region.name}-{timezone.localdate():%Y%m%d}.xlsx"


__all__ = ["ExportResult", "covers", "export_filename", "households_export"]
