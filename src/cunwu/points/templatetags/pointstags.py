"""Template filters of the points pages."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def stars(n: int | None) -> SafeString:
    """★★★ for three stars, a dash for none."""
    count = int(n or 0)
    if count <= 0:
        return mark_safe('<span class="muted" title="0星">—</span>')
    return format_html('<span class="stars" title="{}星">{}</span>', count, "★" * count)


@register.filter
def signed(n: int | None) -> str:
    """+5 / -3 / 0."""
    value = int(n or 0)
    return f"{value:+d}" if value else "0"
