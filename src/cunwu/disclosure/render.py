"""A notice for the other channels: the printed notice board (PDF, A4 or A3, WeasyPrint), a
share image for WeChat groups (PNG, Pillow) and a script for the village loudspeaker (text).

The PDF and the image carry a QR code that opens the notice's public page, which confirms the
notice against its publication event in the audit chain; the first 16 hex digits of that
event's hash are printed under the code. Both are slow (WeasyPrint subsets a CJK font): they
are rendered by a background task (``tasks.render_notice``) and stored, never in a request.
The broadcast script is cheap and made on demand.

Fonts are Debian's ``fonts-noto-cjk``, found by name through fontconfig; nothing is fetched
from the network (the URL fetcher accepts ``data:`` URLs only).
"""

from __future__ import annotations

import base64
import html
import io
import shutil
import subprocess
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import qrcode
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cunwu.core.formatting import format_date
from cunwu.core.spoken import date_words, speak

from .models import Notice, NoticeStatus

if TYPE_CHECKING:
    from PIL import ImageFont
    from weasyprint import Document

Size = Literal["A4", "A3"]
PRINT_CSS = "disclosure/print.css"
HASH_SHOWN = 16  # hex digits of the publication event's hash printed under the QR code
BROADCAST_MAX_ROWS = 10  # longer lists are not read out name by name
IMAGE_WIDTH = 1080
IMAGE_BODY_LINES = 10

_NAME_HEADERS = ("姓名", "户主", "名称", "户名", "对象")
_AMOUNT_HEADERS = ("金额", "补贴", "补助", "标准", "元", "积分", "数额")


class RenderError(Exception):
    """A notice could not be rendered; ``message`` is Chinese, shown to whoever asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------- QR code


def public_url(notice: Notice) -> str:
    """The absolute address of the notice's public page (origin: ``CUNWU_PUBLIC_URL``)."""
    origin = str(getattr(settings, "CUNWU_PUBLIC_URL", "http://127.0.0.1:8000")).rstrip("/")
    return origin + reverse("portal:notice", args=[notice.pk])


def qr_code(data: str) -> qrcode.QRCode[Any]:
    """The QR code of ``data`` (error correction M: a printed sheet gets scuffed)."""
    code: qrcode.QRCode[Any] = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4
    )
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_png(data: str, *, box_size: int = 8) -> bytes:
    """The QR code of ``data`` as a black-on-white PNG, ``box_size`` pixels per module."""
    from PIL import Image

    matrix = qr_code(data).get_matrix()  # with the quiet zone
    side = len(matrix)
    image = Image.new("1", (side, side), 1)
    image.putdata([0 if cell else 1 for row in matrix for cell in row])
    image = image.resize((side * box_size, side * box_size), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def qr_data_uri(data: str) -> str:
    return "data:image/png;base64," + base64.b64encode(qr_png(data)).decode("ascii")


def event_hash_shown(notice: Notice) -> str:
    event = notice.published_event
    return event.hash[:HASH_SHOWN] if event is not None else ""


# ---------------------------------------------------------------- the printed notice


def _is_draft(notice: Notice) -> bool:
    return notice.status in (NoticeStatus.DRAFT, NoticeStatus.PENDING_SIGNOFF)


def print_context(notice: Notice, size: Size = "A4") -> dict[str, Any]:
    draft = _is_draft(notice)
    url = public_url(notice)
    return {
        "notice": notice,
        "size": size,
        "draft": draft,
        "region_name": notice.region.full_name or notice.region.name,
        "attachments": [a.original_name for a in notice.attachments.all()],
        "url": url,
        "qr": "" if draft else qr_data_uri(url),
        "event_hash": event_hash_shown(notice),
        "printed_on": timezone.localdate(),
    }


def print_html(notice: Notice, size: Size = "A4") -> str:
    return render_to_string("disclosure/print.html", print_context(notice, size))


def _fetcher() -> Any:
    """Only ``data:`` URLs (the QR code): a notice never makes the renderer fetch anything."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=("data",), timeout=5)


def _stylesheets(size: Size) -> list[Any]:
    from weasyprint import CSS

    path = finders.find(PRINT_CSS)
    if not path:
        raise RenderError("找不到打印样式文件，请联系管理员")
    return [CSS(filename=str(path)), CSS(string=f"@page {{ size: {size} portrait; }}")]


def notice_document(notice: Notice, size: Size = "A4") -> Document:
    """The laid-out pages (WeasyPrint's document): ``notice_pdf`` writes them out; tests read
    the text and the QR image from them."""
    from weasyprint import HTML

    if size not in ("A4", "A3"):
        raise RenderError("纸张只能是 A4 或 A3")
    _require_fonts()
    document = HTML(string=print_html(notice, size), url_fetcher=_fetcher(), base_url="/").render(
        stylesheets=_stylesheets(size)
    )
    return document


def notice_pdf(notice: Notice, size: Size = "A4") -> bytes:
    """The notice as a PDF for the notice board, with Chinese fonts and the QR code."""
    pdf: bytes = notice_document(notice, size).write_pdf()
    return pdf


# ---------------------------------------------------------------- fonts


@lru_cache(maxsize=8)
def font_file(pattern: str) -> tuple[str, int]:
    """(file, face index) of a font by fontconfig pattern, e.g. ``Noto Sans CJK SC:style=Bold``;
    a clear error when fontconfig or the font is missing."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        raise RenderError("服务器缺少 fontconfig（fc-match），无法生成图片，请安装 fontconfig")
    try:
        found = subprocess.run(  # noqa: S603 (a fixed program, the pattern is ours)
            [fc_match, "-f", "%{file}|%{index}|%{family}", pattern],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        raise RenderError("查找中文字体失败（fc-match 出错），请联系管理员") from None
    file, _, rest = found.partition("|")
    index, _, family = rest.partition("|")
    if "Noto" not in family or "CJK" not in family or not Path(file).is_file():
        raise RenderError(
            "未找到中文字体 Noto Sans CJK SC，请在服务器上安装 fonts-noto-cjk"
            "（Debian：apt install fonts-noto-cjk，或运行 scripts/ensure-browser.sh）"
        )
    return file, int(index or 0)


def _require_fonts() -> None:
    font_file("Noto Sans CJK SC")


def _font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    file, index = font_file("Noto Sans CJK SC:style=Bold" if bold else "Noto Sans CJK SC")
    return ImageFont.truetype(file, size, index=index)


# ---------------------------------------------------------------- text of a notice


class _TextParser(HTMLParser):
    _BLOCKS = frozenset({"p", "br", "li", "h2", "h3", "h4", "tr", "blockquote", "ul", "ol"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def body_lines(notice: Notice) -> list[str]:
    """The body's paragraphs as plain text (no HTML), one per line, blank ones dropped."""
    parser = _TextParser()
    parser.feed(notice.body or "")
    parser.close()
    text = html.unescape("".join(parser.parts))
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _column(columns: list[str], keys: tuple[str, ...]) -> int | None:
    for i, header in enumerate(columns):
        if any(k in header for k in keys):
            return i
    return None


def list_summary(notice: Notice) -> str:
    """``共3人`` for a list of persons, ``共3条`` for any other list, ``""`` without one."""
    if not notice.columns:
        return ""
    persons = _column(notice.columns, _NAME_HEADERS) is not None
    return f"共{len(notice.rows)}{'人' if persons else '条'}"


# ---------------------------------------------------------------- the share image


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for ch in text:
        if font.getlength(line + ch) > width and line:
            lines.append(line)
            line = ch
        else:
            line += ch
    if line:
        lines.append(line)
    return lines


def notice_image(notice: Notice) -> bytes:
    """A PNG 1080 px wide for WeChat groups: region, title, dates, the start of the body, a
    summary of the list and the QR code of the public page."""
    from PIL import Image, ImageDraw

    if _is_draft(notice):
        raise RenderError("草稿不能生成分享图片，请发布后再分享")
    margin = 72
    inner = IMAGE_WIDTH - 2 * margin
    f_region, f_title = _font(34), _font(60, bold=True)
    f_text, f_small, f_bold = _font(38), _font(28), _font(40, bold=True)
    red, ink, grey = (176, 30, 30), (34, 34, 34), (110, 110, 110)

    blocks: list[tuple[str, Any, tuple[int, int, int], int]] = []  # text, font, colour, gap after
    region = notice.region.full_name or notice.region.name
    blocks.append((f"{region} · {notice.get_category_display()}公开", f_region, (255, 255, 255), 0))
    title_lines = _wrap(notice.title, f_title, inner)
    dates = (
        [f"发布日期：{format_date(timezone.localtime(notice.published_at))}"]
        if notice.published_at
        else []
    )
    if notice.has_period and notice.period_start and notice.period_end:
        dates.append(
            f"公示期：{format_date(notice.period_start)}至{format_date(notice.period_end)}"
        )
    body: list[str] = []
    for paragraph in body_lines(notice):
        body.extend(_wrap(paragraph, f_text, inner))
    if len(body) > IMAGE_BODY_LINES:
        body = [*body[: IMAGE_BODY_LINES - 1], body[IMAGE_BODY_LINES - 1][:-1] + "……"]
    summary = list_summary(notice)

    modules = len(qr_code(public_url(notice)).get_matrix())
    qr_side = modules * max(1, 300 // modules)  # whole pixels per module: crisp when scanned
    header = 110
    height = header + 50
    height += len(title_lines) * 80 + 30
    height += len(dates) * 48 + (30 if dates else 0)
    height += len(body) * 58 + (30 if body else 0)
    height += 70 if summary else 0
    height += 40 + qr_side + 110

    image = Image.new("RGB", (IMAGE_WIDTH, height), (255, 253, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, IMAGE_WIDTH, header), fill=red)
    draw.text((margin, header // 2), blocks[0][0], font=f_region, fill=(255, 255, 255), anchor="lm")
    y = header + 50
    for line in title_lines:
        draw.text((margin, y), line, font=f_title, fill=ink)
        y += 80
    y += 30
    for line in dates:
        draw.text((margin, y), line, font=f_small, fill=grey)
        y += 48
    if dates:
        y += 30
    for line in body:
        draw.text((margin, y), line, font=f_text, fill=ink)
        y += 58
    if body:
        y += 30
    if summary:
        draw.text((margin, y), f"名单{summary}，详见公告全文", font=f_bold, fill=red)
        y += 70
    y += 40
    draw.line((margin, y - 20, IMAGE_WIDTH - margin, y - 20), fill=(220, 215, 205), width=2)
    qr = Image.open(io.BytesIO(qr_png(public_url(notice), box_size=qr_side // modules)))
    image.paste(qr.convert("RGB"), (margin, y))
    text_x = margin + qr_side + 40
    draw.text((text_x, y + 60), "长按识别二维码", font=f_bold, fill=ink)
    draw.text((text_x, y + 120), "查看公告全文、核验内容、提出异议", font=f_small, fill=grey)
    shown = event_hash_shown(notice)
    if shown:
        draw.text((text_x, y + 180), f"审计链 {shown}", font=f_small, fill=grey)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


# ---------------------------------------------------------------- the broadcast script


def _is_number(text: str) -> bool:
    plain = text.replace(",", "")
    return plain.replace(".", "", 1).isdigit()


def _list_read_out(notice: Notice) -> str:
    rows, columns = notice.rows, notice.columns
    if not columns or not rows:
        return ""
    name = _column(columns, _NAME_HEADERS)
    if name is None:
        return f"名单共{len(rows)}条，详见公告栏。"
    if len(rows) > BROADCAST_MAX_ROWS:
        return f"共{len(rows)}人，名单见公告栏。"
    amount = _column(columns, _AMOUNT_HEADERS)
    items = []
    for row in rows:
        item = row[name]
        if amount is not None and row[amount]:
            value = row[amount]
            # a bare number under a money header is an amount in 元
            if _is_number(value) and "积分" not in columns[amount]:
                value += "元"
            elif _is_number(value):
                value += "分"
            item += "，" + value
        items.append(item)
    return f"名单共{len(rows)}人：" + "；".join(items) + "。"


def broadcast_script(notice: Notice) -> str:
    """Plain text for the village loudspeaker, every number, amount and date in words (read
    aloud as written) and masked numbers left out."""
    region = notice.region.name
    parts = [
        f"各位村民请注意，现在播送{region}{notice.get_category_display()}公开：{notice.title}。"
    ]
    parts.extend(line if line[-1] in "。！？；：" else line + "。" for line in body_lines(notice))
    listed = _list_read_out(notice)
    if listed:
        parts.append(listed)
    if notice.has_period and notice.period_start and notice.period_end:
        parts.append(
            f"公示期从{date_words(notice.period_start)}起，至{date_words(notice.period_end)}止。"
            "公示期内如有异议，请向村务监督委员会反映。"
        )
    parts.append("全文已在村务公开栏张贴，也可扫描公告上的二维码查看。广播完毕。")
    return "\n".join(speak(part) for part in parts) + "\n"
