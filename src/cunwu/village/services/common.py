"""What the parts' writes share: the audit entry of a village action, and the checks of whole
numbers and dates that services take from callers other than forms (the API, scripts)."""

from __future__ import annotations

from datetime import date
from typing import Any

from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.core.services.audit import audit_append

__all__ = ["audit", "check_date", "check_int"]


def audit(actor: Any, village: Region | str, action: str, obj: Any, **payload: Any) -> None:
    """Append ``village.<action>`` about ``obj`` to the audit chain of ``village``."""
    region = village if isinstance(village, Region) else Region.objects.get(code=village)
    audit_append(actor=actor, region=region, action=f"village.{action}", obj=obj, payload=payload)


def check_int(value: Any, *, field: str, label: str, low: int, high: int) -> int:
    """``value`` when it is a whole number from ``low`` to ``high`` (a bool is not)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApplicationError(f"{field}_invalid", f"{label}无效", field=field)
    if value < low or value > high:
        raise ApplicationError(f"{field}_range", f"{label}应在{low}至{high}之间", field=field)
    return value


def check_date(value: Any, *, field: str, label: str) -> date:
    """``value`` when it is a date."""
    if not isinstance(value, date):
        raise ApplicationError(f"{field}_invalid", f"{label}无效", field=field)
    return value
