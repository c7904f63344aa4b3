"""Writes of identification (识别) and risk-elimination (风险消除) cases."""

from __future__ import annotations

from typing import Any


def on_notice_closed(sender: Any, notice: Any, outcome: str, **kwargs: Any) -> None:
    """disclosure.signals.notice_closed: a case's 公示 ended (runs inside the closing
    transaction)."""
    if notice.subject_type != "monitoring.case" or not notice.subject_id.isdigit():
        return
