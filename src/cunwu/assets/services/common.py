"""What every part of 三资 writes the same way: a line of text from a form or a request, and the
audit event of a write on its village's chain."""

from __future__ import annotations

from typing import Any

from cunwu.core.formatting import clean_text
from cunwu.core.models import Region
from cunwu.core.services.audit import audit_append

__all__ = ["audit", "clean_text"]


def audit(actor: Any, village: Region | str, action: str, obj: Any, **payload: Any) -> None:
    """``assets.<action>`` on the chain of ``village`` (a Region or its code)."""
    region = village if isinstance(village, Region) else Region.objects.get(code=village)
    audit_append(actor=actor, region=region, action=f"assets.{action}", obj=obj, payload=payload)
