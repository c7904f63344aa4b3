"""Small helpers for the ``cunwu`` management commands."""

from __future__ import annotations

from datetime import date

from django.core.management.base import CommandError


def date_option(value: str | None) -> date | None:
    """A ``--today YYYY-MM-DD`` style option: None when absent, a clear Chinese error when bad."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期“{value}”无效，应写作 YYYY-MM-DD") from None
