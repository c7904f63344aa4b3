"""Helpers shared by the import and export tests: spreadsheets written row by row."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from cunwu.registry.imports import HEADERS
from cunwu.registry.models import Household, LifeEvent, Person
from cunwu.testing import business_events


def row(**values: Any) -> dict[str, Any]:
    """One person's row by Chinese header (户编号=..., 姓名=...); other columns blank."""
    return values


def write_csv(
    path: Path,
    rows: Sequence[dict[str, Any]],
    *,
    headers: Sequence[str] = HEADERS,
    encoding: str = "utf-8-sig",
) -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        out = csv.writer(f)
        out.writerow(headers)
        for values in rows:
            out.writerow([values.get(h, "") for h in headers])
    return path


def write_xlsx(
    path: Path, rows: Sequence[dict[str, Any]], *, headers: Sequence[str] = HEADERS
) -> Path:
    """Cells keep their Python type (numbers, dates), as a spreadsheet program would."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(headers))
    for values in rows:
        ws.append([values.get(h) for h in headers])
    wb.save(path)
    return path


def counts() -> tuple[int, int, int, int]:
    return (
        Household.objects.count(),
        Person.objects.count(),
        LifeEvent.objects.count(),
        business_events().count(),
    )
