"""The year's thresholds and time limits of a region, resolved field by field: the village's
own row, then its township's, county's, city's and province's rows for the year, then the
defaults below (the official values named in DOMAIN.md)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from cunwu.core.models import Region

# 6 000 元 in 2021 (1.5× the former line); from 2022 each province sets its own line (local
# examples: 6 900 元 in 2022, 8 050 元 in 2023, 8 500 元 in 2024). A later year without an
# entered line keeps the latest default, and says so (``Policy.defaulted``).
DEFAULT_THRESHOLDS: dict[int, int] = {2021: 600_000, 2022: 690_000, 2023: 805_000, 2024: 850_000}

DEFAULTS: dict[str, int] = {
    "income_drop_percent": 30,  # per-capita income down by 30% against last year
    "medical_expense_fen": 1_000_000,  # 1 万元 compliant out-of-pocket medical cost in a year
    "rigid_expense_fen": 1_000_000,  # 1 万元 other large rigid expenditure
    "identify_max_workdays": 20,  # the whole procedure (海南)
    "verify_workdays": 3,  # home verification within 2–3 days
    "compare_workdays": 5,  # information comparison within 5 days
    "appraise_workdays": 3,
    "disclosure_days": 5,  # 公示 at least 5 days
    "township_workdays": 5,
    "county_workdays": 5,
    "stable_months": 6,  # income stably above the line for at least half a year
}
FIELDS: tuple[str, ...] = ("income_threshold_fen", *DEFAULTS)


@dataclass(frozen=True)
class Policy:
    year: int
    income_threshold_fen: int
    income_drop_percent: int
    medical_expense_fen: int
    rigid_expense_fen: int
    identify_max_workdays: int
    verify_workdays: int
    compare_workdays: int
    appraise_workdays: int
    disclosure_days: int
    township_workdays: int
    county_workdays: int
    stable_months: int
    # field → the region code whose row gave it; absent: the default
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def defaulted(self) -> bool:
        """The income line is not entered for this year (the default stands in for it)."""
        return "income_threshold_fen" not in self.sources


def ancestor_codes(code: str) -> list[str]:
    """The 12-digit codes of ``code`` and the units above it, most specific first."""
    codes = [
        code,
        code[:9] + "000",
        code[:6] + "000000",
        code[:4] + "00000000",
        code[:2] + "0" * 10,
    ]
    return list(dict.fromkeys(codes))


def default_threshold(year: int) -> int:
    known = [y for y in DEFAULT_THRESHOLDS if y <= year]
    return DEFAULT_THRESHOLDS[max(known) if known else min(DEFAULT_THRESHOLDS)]


def policy_for(region: Region | str, year: int) -> Policy:
    """The policy in force in ``region`` for ``year``."""
    from .models import MonitoringPolicy

    code = region if isinstance(region, str) else region.code
    order = ancestor_codes(code)
    rows = sorted(
        MonitoringPolicy.objects.filter(year=year, region_id__in=order),
        key=lambda row: order.index(row.region_id),
    )
    values: dict[str, Any] = {"income_threshold_fen": default_threshold(year), **DEFAULTS}
    sources: dict[str, str] = {}
    for name in FIELDS:
        for row in rows:
            value = getattr(row, name)
            if value is not None:
                values[name] = value
                sources[name] = row.region_id
                break
    return Policy(year=year, sources=sources, **values)


def policy_fields() -> list[str]:
    return [f.name for f in fields(Policy) if f.name not in ("year", "sources")]
