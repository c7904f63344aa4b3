"""What every part of 防返贫监测 writes the same way: cleaned text, the audit event of a write on
its village's chain, the working-day due date of a step."""

from __future__ import annotations

from datetime import date
from typing import Any

from cunwu.core import workdays
from cunwu.core.formatting import clean_text
from cunwu.core.models import Region
from cunwu.core.services.audit import audit_append

__all__ = ["audit", "clean_text", "due_after"]


def audit(actor: Any, village: Region | str, action: str, obj: Any, **payload: Any) -> None:
    """``monitoring.<action>`` on the chain of ``village`` (a Region or its code)."""
    region = village if isinstance(village, Region) else Region.objects.get(code=village)
    audit_append(
        actor=actor, region=region, action=f"monitoring.{action}", obj=obj, payload=payload
    )


def due_after(start: date, working_days: int) -> date:
    """The last day of a time limit of ``working_days`` working days counted from ``start``."""
    return workdays.add_working_days(start, working_days)
