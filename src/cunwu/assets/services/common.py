"""What every part of 三资 writes the same way: a line of text from a form or a request, and the
audit event of a write on its village's chain."""

from __future__ import annotations

from typing import Any

from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.core.services.audit import audit_append


def clean_text(value: Any, *, field: str, label: str, limit: int, required: bool = True) -> str:
    """One line with its white space folded; empty only when not ``required``; at most
    ``limit`` characters and no NUL (a Chinese error naming ``label`` otherwise)."""
    text = " ".join(str(value or "").split())
    if required and not text:
        raise ApplicationError(f"{field}_empty", f"请填写{label}", field=field)
    if len(text) > limit or "\x00" in text:
        raise ApplicationError(f"{field}_long", f"{label}至多{limit}字", field=field)
    return text


def audit(actor: Any, village: Region | str, action: str, obj: Any, **payload: Any) -> None:
    """``assets.<action>`` on the chain of ``village`` (a Region or its code)."""
    region = village if isinstance(village, Region) else Region.objects.get(code=village)
    audit_append(actor=actor, region=region, action=f"assets.{action}", obj=obj, payload=payload)
