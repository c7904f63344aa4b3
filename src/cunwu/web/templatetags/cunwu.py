"""Template filters for Chinese presentation: dates, money in 元, tags."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone

from cunwu.core.formatting import format_date, format_fen

register = template.Library()


@register.filter
def cn_date(value: date | datetime | None) -> str:
    """2026年11月24日 (a datetime in local time)."""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return format_date(value)


@register.filter
def cn_datetime(value: datetime | None) -> str:
    """2026年11月24日 14:05."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{format_date(local)} {local:%H:%M}"


@register.filter
def yuan(fen: int | None) -> str:
    """Money stored in 分, shown in 元: 1,234.50."""
    return format_fen(fen)


@register.filter
def tag_list(tags: str) -> list[str]:
    """The stored ``|脱贫户|低保户|`` as a list."""
    return [t for t in (tags or "").split("|") if t]
