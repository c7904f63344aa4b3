"""What every part of 三资 writes the same way: a line of text from a form or a request, and the
audit event of a write on its village's chain."""

from __future__ import annotations

from typing import Any

from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import clean_text, format_fen, parse_yuan
from cunwu.core.models import Region
from cunwu.core.services.audit import audit_append

__all__ = ["audit", "clean_text", "yuan_to_fen"]


def audit(actor: Any, village: Region | str, action: str, obj: Any, **payload: Any) -> None:
    """``assets.<action>`` on the chain of ``village`` (a Region or its code)."""
    region = village if isinstance(village, Region) else Region.objects.get(code=village)
    audit_append(actor=actor, region=region, action=f"assets.{action}", obj=obj, payload=payload)


def yuan_to_fen(
    value: Any,
    *,
    field: str,
    label: str,
    maximum: int,
    positive: bool = False,
    required: bool = True,
) -> int:
    """An amount in 元 (``"12.50"``) as 分, with a Chinese error naming ``label``: filled in
    (an empty one is 0 when not ``required``), at most two decimals, not negative, above 0 when
    ``positive``, at most ``maximum`` 分 (more is a typing error)."""
    if isinstance(value, bool) or value is None or not str(value).strip():
        if required:
            raise ApplicationError("amount_empty", f"请填写{label}", field=field)
        return 0
    try:
        fen = parse_yuan(value, field=field)
    except ApplicationError as exc:
        raise ApplicationError(exc.code, f"{label}：{exc.message}", field=field) from None
    if fen < 0:
        raise ApplicationError("amount_negative", f"{label}不能为负数", field=field)
    if positive and fen == 0:
        raise ApplicationError("amount_positive", f"{label}应大于0", field=field)
    if fen > maximum:
        raise ApplicationError(
            "amount_large", f"{label}超过{format_fen(maximum)}元，请核对", field=field
        )
    return fen
