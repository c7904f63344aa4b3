"""A list item's procedure as a printable flowchart (SVG, drawn on the server): a start box, one
box per step with who acts, the time limit and what is disclosed, arrows between, an end box.
Only presentation attributes, no ``style``: it is shown inline under a strict CSP, scales with
the page (``viewBox``) and prints as vector graphics."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from .models_lists import ListItem, ListStep

WIDTH = 340
BOX_X = 10
BOX_W = WIDTH - 2 * BOX_X
LINE = 18
PAD = 10
GAP = 26
FONT = "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"
CHARS = 17  # Chinese characters per line at 14px in a 320px box


def _wrap(text: str, width: int = CHARS) -> list[str]:
    """Lines of at most ``width`` wide characters (a Latin letter or digit counts half)."""
    lines, line, used = [], "", 0.0
    for ch in text:
        cost = 0.5 if ord(ch) < 0x2E80 else 1.0
        if used + cost > width:
            lines.append(line)
            line, used = "", 0.0
        line += ch
        used += cost
    if line:
        lines.append(line)
    return lines or [""]


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _box(y: int, lines: list[tuple[str, int, str]], *, rounded: bool, fill: str) -> tuple[str, int]:
    height = PAD * 2 + LINE * len(lines)
    radius = height // 2 if rounded else 6
    parts = [
        f'<rect x="{BOX_X}" y="{y}" width="{BOX_W}" height="{height}" rx="{min(radius, 22)}" '
        f'fill="{fill}" stroke="#1f2328" stroke-width="1.5"/>'
    ]
    for i, (text, size, weight) in enumerate(lines):
        baseline = y + PAD + LINE * i + 14
        parts.append(
            f'<text x="{WIDTH // 2}" y="{baseline}" text-anchor="middle" font-size="{size}" '
            f'font-weight="{weight}" fill="#1f2328">{escape(text)}</text>'
        )
    return "".join(parts), height


def _arrow(y: int) -> str:
    x = WIDTH // 2
    return (
        f'<line x1="{x}" y1="{y + 2}" x2="{x}" y2="{y + GAP - 8}" stroke="#1f2328" '
        f'stroke-width="1.5"/><polygon points="{x - 5},{y + GAP - 9} {x + 5},{y + GAP - 9} '
        f'{x},{y + GAP - 1}" fill="#1f2328"/>'
    )


def flowchart_svg(item: ListItem, steps: Sequence[ListStep]) -> str:
    """The SVG document of ``item``'s steps (``steps`` in order)."""
    parts: list[str] = []
    y = 10
    title = [(line, 15, "bold") for line in _wrap(item.name, 18)]
    title.append((f"{item.get_kind_display()} · 第{item.version}版", 12, "normal"))
    box, height = _box(y, title, rounded=True, fill="#fbe9ea")
    parts.append(box)
    y += height
    for step in steps:
        parts.append(_arrow(y))
        y += GAP
        limit = f"{step.limit_days}个工作日内" if step.limit_days else "不设时限"
        lines = [(f"{step.order}. {line}", 14, "bold") for line in _wrap(step.name, CHARS - 2)]
        lines += [(line, 12, "normal") for line in _wrap(f"{step.actor} · {limit}", 24)]
        if step.disclose:
            lines += [(line, 12, "normal") for line in _wrap(f"公开：{step.disclose}", 24)]
        box, height = _box(y, lines, rounded=False, fill="#ffffff")
        parts.append(box)
        y += height
    parts.append(_arrow(y))
    y += GAP
    total = sum(s.limit_days for s in steps)
    end = [("办结", 14, "bold")]
    if total:
        end.append((f"各环节时限合计{total}个工作日", 12, "normal"))
    box, height = _box(y, end, rounded=True, fill="#dafbe1")
    parts.append(box)
    y += height + 10
    label = _attr(f"{item.name}办理流程图")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {y}" width="100%" '
        f'role="img" aria-label="{label}" font-family="{_attr(FONT)}" class="flowchart">'
        f"<title>{escape(item.name)}办理流程图</title>{''.join(parts)}</svg>"
    )
