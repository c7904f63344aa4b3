"""Export of a region's households to xlsx, in the import template's columns.

An export of one village imports back into an empty village unchanged (same households, same
persons, same values). The export is the current register: active households and their
active members. Full ID numbers and phones are written only for an actor holding
``registry.view_full_id`` over the whole region (the command line without ``--user`` acts as
the system and writes them); otherwise the masked forms. Every export is an audit event.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from cunwu.accounts.permissions import has_perm_in, require, scope_prefixes
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import format_date
from cunwu.core.models import Region
from cunwu.core.services.audit import audit_append

from .imports import COLUMNS, HEADERS, NOTES_TITLE
from .models import (
    HEAD,
    PERSON_DETAILS,
    ExportJob,
    ExportStatus,
    HouseholdStatus,
    Person,
    PersonStatus,
)
from .services import ID_CONTEXT, PHONE_CONTEXT

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 1000  # rows between two progress reports
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
    *PERSON_DETAILS,
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


def _register(region: Region) -> QuerySet[Person]:
    """The persons an export of ``region`` writes: active members of active households."""
    return Person.objects.filter(
        household__village__code__startswith=region.prefix,
        household__status=HouseholdStatus.ACTIVE,
        status=PersonStatus.ACTIVE,
    )


def export_count(region: Region) -> int:
    """How many rows (persons) an export of ``region`` writes, for a progress bar."""
    return _register(region).count()


def households_export(
    *,
    actor: Any,
    region: Region,
    target: IO[bytes] | Path,
    progress: Callable[[int], None] | None = None,
) -> ExportResult:
    """Write the households of ``region`` (one sheet per village) and record the export.

    ``registry.export`` over the region; ID numbers and phones in full only with
    ``registry.view_full_id`` over all of it. The audit event names the region, the counts and
    whether full numbers left the system. ``progress`` receives the number of rows written so
    far every ``PROGRESS_EVERY`` rows and once at the end.
    """
    from openpyxl import Workbook

    from cunwu.core.crypto import decrypt_text

    if actor is not None:
        require(actor, "registry.export", region)
    full = covers(actor, "registry.view_full_id", region)
    result = ExportResult(full_id=full)
    persons = (
        _register(region)
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
        if progress is not None and result.persons % PROGRESS_EVERY == 0:
            progress(result.persons)
    if progress is not None:
        progress(result.persons)
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


def export_filename(region: Region, on: date | None = None) -> str:
    return f"户籍人口-{region.name}-{on or timezone.localdate():%Y%m%d}.xlsx"


# ---------------------------------------------------------------- background jobs (web)


def export_job_create(*, actor: Any, region: Region) -> ExportJob:
    """Queue an export of ``region`` for ``actor``: 404 outside the actor's view scope,
    ``PermissionDenied`` without ``registry.export`` over all of the region."""
    if not has_perm_in(actor, "registry.view", region):
        raise Http404("区划不在您的管辖范围内")
    require(actor, "registry.export", region)
    job = ExportJob.objects.create(region=region, created_by=actor)
    from . import tasks

    transaction.on_commit(partial(tasks.export_run.enqueue, job.pk))
    return job


def export_job_get(*, actor: Any, pk: int) -> ExportJob:
    """A job the actor asked for, or of a region the actor may export; anything else is 404
    (the file may hold full ID numbers)."""
    job = ExportJob.objects.select_related("region", "created_by").filter(pk=pk).first()
    if job is None or not (
        job.created_by_id == actor.pk or covers(actor, "registry.export", job.region)
    ):
        raise Http404("导出任务不存在")
    return job


def export_jobs_recent(*, actor: Any, limit: int = 10) -> QuerySet[ExportJob]:
    """The actor's own latest export jobs."""
    return (
        ExportJob.objects.filter(created_by=actor)
        .select_related("region")
        .order_by("-created_at")[:limit]
    )


def export_job_run(job_id: int) -> None:
    """Write the export of a pending job (run by a task) and store the file on the job.

    Claimed with a conditional update, so a task delivered twice exports once. Progress is
    the number of persons written, out of a count taken first.
    """
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.PENDING).update(
        status=ExportStatus.RUNNING, processed_rows=0
    )
    if not claimed:
        return
    job = ExportJob.objects.select_related("region", "created_by").get(pk=job_id)
    try:
        total = export_count(job.region)
        ExportJob.objects.filter(pk=job.pk).update(total_rows=total)

        def progress(rows: int) -> None:
            ExportJob.objects.filter(pk=job.pk).update(processed_rows=min(rows, total))

        with tempfile.TemporaryFile() as spool:
            result = households_export(
                actor=job.created_by, region=job.region, target=spool, progress=progress
            )
            spool.seek(0)
            # a random name: the file is not guessable even if media were ever served
            job.file.save(f"export-{job.pk}-{secrets.token_hex(8)}.xlsx", File(spool), save=False)
    except (ApplicationError, PermissionDenied) as exc:
        message = exc.message if isinstance(exc, ApplicationError) else "没有权限导出该区划"
        _export_fail(job, message)
        return
    except Exception:
        logger.exception("export job %s failed", job.pk)
        _export_fail(job, "导出时出现系统错误，请稍后重试；多次失败请联系管理员")
        raise
    job.status = ExportStatus.DONE
    job.total_rows = total
    job.processed_rows = job.row_count = result.persons
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status",
            "file",
            "total_rows",
            "processed_rows",
            "row_count",
            "finished_at",
        ]
    )


def _export_fail(job: ExportJob, message: str) -> None:
    job.status = ExportStatus.FAILED
    job.error = message
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])


def export_jobs_expire(*, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete the files of export jobs older than ``older_than``; returns how many.

    Exported files may hold full ID numbers and phones (PIPL: keep them no longer than
    needed). The job row stays as the record of the export, without its file.
    """
    cutoff = (now or timezone.now()) - older_than
    # a job still pending or running after that long lost its worker: say so on its page
    ExportJob.objects.filter(
        created_at__lt=cutoff, status__in=[ExportStatus.PENDING, ExportStatus.RUNNING]
    ).update(
        status=ExportStatus.FAILED, error="后台任务未完成（已超时），请重新导出",
        finished_at=timezone.now(),
    )  # fmt: skip
    deleted = 0
    for job in ExportJob.objects.filter(created_at__lt=cutoff).exclude(file=""):
        job.file.delete(save=False)
        job.save(update_fields=["file"])
        deleted += 1
    return deleted


__all__ = [
    "ExportResult",
    "covers",
    "export_count",
    "export_filename",
    "export_job_create",
    "export_job_get",
    "export_job_run",
    "export_jobs_expire",
    "export_jobs_recent",
    "households_export",
]
