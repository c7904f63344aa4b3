"""Printable notice (PDF), share image (PNG) and broadcast script.

The A4 PDF is rendered once for the module (``printed``, data rolled back afterwards) and
checked twice over: in WeasyPrint's laid-out pages (the text and the QR image actually placed
on the page) and in the PDF bytes (page size, the title in the metadata and in the fonts'
ToUnicode maps). The QR image is read back module by module and compared with what
``qrcode`` makes of the public URL; with ``zbarimg`` on the machine it is decoded for real.
"""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from PIL import Image

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.disclosure import render, renderings, services
from cunwu.disclosure.models import (
    Category,
    Notice,
    Rendering,
    RenderingKind,
    RenderingStatus,
)
from cunwu.disclosure.services import Period
from cunwu.disclosure.tests.test_views import client_for
from cunwu.testing import JIULONG, PERSONAS, make_id_number, make_user, seed_regions

TITLE = "2026年度农村低保对象公示"
ROWS = 60  # enough for the list to run over onto a second A4 page
PDF_FAKE = b"%PDF-1.7\n% test stand-in\n"


def publish(
    user: User, region: Region, *, count: int = 2, attachments: tuple[str, ...] = (), **kwargs: Any
) -> Notice:
    defaults: dict[str, Any] = {
        "category": Category.VILLAGE,
        "title": TITLE,
        "body": "<p>经2026年11月20日村民代表会议评议，拟确定以下对象。</p>"
        "<p>咨询电话：13812345678。</p>",
        "rows": {
            "columns": ["姓名", "身份证号", "金额（元）"],
            "rows": [
                [f"村民{i:02d}", make_id_number(i, birth="19700101"), "1,234.50"]
                for i in range(1, count + 1)
            ],
        },
        "period": Period(days=5),
    }
    values = {**defaults, **kwargs}
    rows = values.pop("rows")
    notice = services.notice_create(actor=user, region=region, table=rows, **values)
    for name in attachments:
        services.attachment_add(
            actor=user, notice=notice, name=name, data=b"%PDF-1.7\n" + b"0" * 64
        )
    return services.notice_submit(actor=user, notice=notice)


def walk(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", None) or []:
        yield from walk(child)


def page_text(page: Any) -> str:
    return "".join(b.text for b in walk(page._page_box) if hasattr(b, "text"))


def pdf_streams(pdf: bytes) -> list[bytes]:
    """The decompressed streams of a PDF (WeasyPrint compresses objects and fonts)."""
    out = []
    for match in re.finditer(rb"stream\r?\n", pdf):
        end = pdf.find(b"endstream", match.end())
        try:
            out.append(zlib.decompress(pdf[match.end() : end]))
        except zlib.error:
            continue
    return out


def qr_matrix_of(png: bytes, modules: int) -> list[list[bool]]:
    """Read a QR image back: the colour at the centre of each module (True = dark)."""
    image = Image.open(io.BytesIO(png)).convert("L")
    step = image.width / modules
    return [
        [
            image.getpixel((int((x + 0.5) * step), int((y + 0.5) * step))) < 128
            for x in range(modules)
        ]
        for y in range(modules)
    ]


@dataclass
class Printed:
    notice_pk: int
    url: str
    event_hash: str
    region_name: str
    publisher: str
    document: Any
    pdf: bytes
    seconds: float


@pytest.fixture(scope="module")
def printed(django_db_setup: Any, django_db_blocker: Any) -> Printed:
    """A published notice with a long list, rendered to A4 once; its rows are rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed_regions()
        role, region = PERSONAS["九龙村村干部"]
        cadre = make_user("九龙村村干部", role, region)
        region = Region.objects.get(code=JIULONG)
        notice = publish(cadre, region, count=ROWS, attachments=("评议记录.pdf",))
        started = time.monotonic()
        document = render.notice_document(notice, "A4")
        pdf = document.write_pdf()
        seconds = time.monotonic() - started
        result = Printed(
            notice_pk=notice.pk,
            url=render.public_url(notice),
            event_hash=notice.published_event.hash if notice.published_event else "",
            region_name=notice.region.full_name,
            publisher=str(cadre),
            document=document,
            pdf=pdf,
            seconds=seconds,
        )
        transaction.set_rollback(True)
    return result


@pytest.fixture
def cadre(persona: Callable[[str], User]) -> User:
    return persona("九龙村村干部")


@pytest.fixture
def notice(cadre: User, jiulong: Region) -> Notice:
    return publish(cadre, jiulong)


@pytest.fixture
def fast_render(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand-ins for the slow renderers, for tests about requests, rows and retries."""
    monkeypatch.setattr(render, "notice_pdf", lambda notice, size="A4": PDF_FAKE)
    monkeypatch.setattr(render, "notice_image", lambda notice: b"\x89PNG\r\n\x1a\nfake")


# ---------------------------------------------------------------- the printed notice


@pytest.mark.slow
def test_a4_pdf_carries_the_title_and_the_notice(printed: Printed) -> None:
    text = "".join(page_text(p) for p in printed.document.pages)
    assert TITLE in page_text(printed.document.pages[0])
    for expected in (
        printed.region_name,
        "村务公开·公示",
        "经2026年11月20日村民代表会议评议，拟确定以下对象。",
        "138****5678",  # the body as stored: masked
        "村民01",
        f"村民{ROWS:02d}",
        "公示期：",
        "发布人",
        printed.publisher,
        "评议记录.pdf",
        f"审计链 {printed.event_hash[:16]}",
    ):
        assert expected in text, expected
    assert "13812345678" not in text
    # the PDF itself: A4 pages, the title in its metadata and among the glyphs its fonts map
    pdf = printed.pdf
    assert pdf.startswith(b"%PDF-")
    streams = b"\n".join(pdf_streams(pdf))
    assert b"/MediaBox [0 0 595.275591 841.889764]" in streams
    assert b"<feff" + TITLE.encode("utf-16-be").hex().encode() + b">" in streams
    mapped = {
        chr(int(code, 16))
        for code in re.findall(rb"<[0-9a-f]+>\s*<([0-9a-f]{4})>", streams, flags=re.IGNORECASE)
    }
    assert set(TITLE) <= mapped
    print(f"A4 PDF rendered in {printed.seconds:.2f} s, {len(pdf)} bytes")


@pytest.mark.slow
def test_list_header_repeats_on_every_page(printed: Printed) -> None:
    pages = printed.document.pages
    assert len(pages) >= 2
    for page in pages:
        headers = [
            b.text for b in walk(page._page_box) if getattr(b, "element_tag", "") == "th"
            for b in walk(b) if hasattr(b, "text")
        ]  # fmt: skip
        assert "姓名" in headers


@pytest.mark.slow
def test_qr_code_on_the_pdf_opens_the_public_page(printed: Printed) -> None:
    assert printed.url == f"http://127.0.0.1:8000/public/notice/{printed.notice_pk}/"
    images = [
        b for page in printed.document.pages for b in walk(page._page_box)
        if getattr(b, "element_tag", "") == "img"
    ]  # fmt: skip
    assert len(images) == 1
    src = images[0].element.get("src")
    assert src == render.qr_data_uri(printed.url)
    code = render.qr_code(printed.url)
    assert code.data_list[0].data == printed.url.encode()
    png = base64.b64decode(src.split(",", 1)[1])
    matrix = code.get_matrix()
    assert qr_matrix_of(png, len(matrix)) == matrix
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        pytest.skip("zbarimg is not installed: the QR image was compared module by module only")
    decoded = subprocess.run(
        [zbarimg, "--raw", "-q", "-"], input=png, capture_output=True, check=True
    ).stdout
    assert decoded.decode().strip() == printed.url


def test_qr_url_leads_to_the_page_that_verifies_the_notice(notice: Notice, settings: Any) -> None:
    settings.CUNWU_PUBLIC_URL = "https://cunwu.example.cn/"
    url = render.public_url(notice)
    assert url == f"https://cunwu.example.cn/public/notice/{notice.pk}/"
    page = Client().get(url.removeprefix("https://cunwu.example.cn")).content.decode()
    assert "本页内容与发布时登记在审计链上的内容一致" in page
    assert notice.published_event is not None
    assert notice.published_event.hash in page


@pytest.mark.slow
def test_a3_and_share_image_render_through_the_background_task(
    notice: Notice, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        a3 = renderings.rendering_request(actor=None, notice=notice, kind=RenderingKind.PDF_A3)
    with django_capture_on_commit_callbacks(execute=True):
        png = renderings.rendering_request(actor=None, notice=notice, kind=RenderingKind.PNG)
    a3.refresh_from_db()
    png.refresh_from_db()
    assert (a3.status, png.status) == (RenderingStatus.DONE, RenderingStatus.DONE), a3.error
    pdf = a3.file.read()
    assert b"/MediaBox [0 0 841.889764 1190.551181]" in b"\n".join(pdf_streams(pdf))
    image = Image.open(io.BytesIO(png.file.read()))
    assert image.format == "PNG"
    assert image.width == 1080
    assert image.height > 800
    print(f"A3 PDF {a3.duration_ms} ms, PNG {png.duration_ms} ms")


# ---------------------------------------------------------------- the broadcast script


def test_broadcast_script_reads_numbers_dates_and_money_aloud(cadre: User, jiulong: Region) -> None:
    notice = publish(
        cadre,
        jiulong,
        title="2026年度耕地地力保护补贴发放公示",
        body="<p>根据2026年第3次村民代表会议决定，补贴标准为每亩125.5元，"
        "发放率达98.5%。</p><p>联系人：张三，电话13912345678。</p>",
        rows={
            "columns": ["姓名", "联系电话", "补贴金额（元）"],
            "rows": [["李四", "13812345678", "1,234.50"], ["王五", "13712345678", "1500"]],
        },
    )
    Notice.objects.filter(pk=notice.pk).update(
        period_start=date(2026, 11, 25), period_end=date(2026, 12, 1)
    )
    notice.refresh_from_db()
    assert render.broadcast_script(notice) == (
        "各位村民请注意，现在播送九龙村委会村务公开：二〇二六年度耕地地力保护补贴发放公示。\n"
        "根据二〇二六年第三次村民代表会议决定，补贴标准为每亩一百二十五元五角，"
        "发放率达百分之九十八点五。\n"
        "联系人：张三，电话已隐去。\n"
        "名单共二人：李四，一千二百三十四元五角；王五，一千五百元。\n"
        "公示期从二〇二六年十一月二十五日起，至二〇二六年十二月一日止。"
        "公示期内如有异议，请向村务监督委员会反映。\n"
        "全文已在村务公开栏张贴，也可扫描公告上的二维码查看。广播完毕。\n"
    )


def test_long_list_is_not_read_out_name_by_name(cadre: User, jiulong: Region) -> None:
    script = render.broadcast_script(publish(cadre, jiulong, count=23))
    assert "共二十三人，名单见公告栏。" in script
    assert "村民01" not in script


def test_broadcast_pages_public_and_staff(notice: Notice, cadre: User) -> None:
    script = render.broadcast_script(notice)
    public = Client().get(f"/public/notice/{notice.pk}/broadcast/")
    assert public.status_code == 200
    assert "<pre" in public.content.decode()
    assert "各位村民请注意" in public.content.decode()
    txt = Client().get(f"/public/notice/{notice.pk}/broadcast.txt")
    assert txt["Content-Type"] == "text/plain; charset=utf-8"
    assert txt.content.decode() == script
    assert client_for(cadre).get(f"/disclosure/{notice.pk}/broadcast.txt").content.decode() == (
        script
    )


# ---------------------------------------------------------------- requests, rows, retries


@pytest.mark.usefixtures("fast_render")
def test_draft_cannot_be_rendered_nor_broadcast_publicly(cadre: User, jiulong: Region) -> None:
    draft = services.notice_create(
        actor=cadre, region=jiulong, category=Category.VILLAGE, title="草稿公告", body="<p>草稿</p>"
    )
    client = Client()
    for path in (
        f"/public/notice/{draft.pk}/render/pdf_a4/",
        f"/public/notice/{draft.pk}/render/png/file/",
        f"/public/notice/{draft.pk}/render/pdf_a4/progress/",
        f"/public/notice/{draft.pk}/broadcast/",
        f"/public/notice/{draft.pk}/broadcast.txt",
        f"/api/v1/public/notices/{draft.pk}/broadcast",
    ):
        assert client.get(path).status_code == 404, path
    api = client.post(f"/api/v1/public/notices/{draft.pk}/renderings/pdf_a4")
    assert api.status_code == 404
    assert not Rendering.objects.exists()


def test_staff_preview_a_draft_as_pdf_only(
    cadre: User, jiulong: Region, persona: Callable[[str], User], fast_render: None,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    draft = services.notice_create(
        actor=cadre, region=jiulong, category=Category.VILLAGE, title="草稿公告", body="<p>草稿</p>"
    )
    client = client_for(cadre)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(f"/disclosure/{draft.pk}/render/pdf_a4/")
    rendering = Rendering.objects.get()
    assert rendering.draft
    assert rendering.content_hash == services.content_hash(draft)
    assert page.status_code == 200  # the request saw it queued; the task ran on commit
    again = client.get(f"/disclosure/{draft.pk}/render/pdf_a4/")
    assert again.status_code == 302
    assert again["Location"] == f"/disclosure/{draft.pk}/render/pdf_a4/file/"
    assert b"".join(client.get(again["Location"]).streaming_content) == PDF_FAKE
    refused = client.get(f"/disclosure/{draft.pk}/render/png/", follow=True)
    assert "草稿只能预览打印版" in refused.content.decode()
    outsider = client_for(persona("另一村的村干部"))
    assert outsider.get(f"/disclosure/{draft.pk}/render/pdf_a4/").status_code == 404


def test_rendering_requested_twice_creates_one_row(
    notice: Notice, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        first = Client().get(f"/public/notice/{notice.pk}/render/pdf_a4/")
        second = Client().get(f"/public/notice/{notice.pk}/render/pdf_a4/")
        renderings.rendering_request(actor=None, notice=notice, kind=RenderingKind.PDF_A4)
    assert first.status_code == second.status_code == 200
    assert Rendering.objects.count() == 1
    assert len(callbacks) == 1  # enqueued once
    body = second.content.decode()
    assert f'hx-get="/public/notice/{notice.pk}/render/pdf_a4/progress/"' in body
    assert "排队中" in body
    # the strict CSP: no inline script or style, htmx from our own static files
    assert re.search(r"<script(?![^>]*\bsrc=)", body) is None
    assert "style=" not in body
    assert "onclick" not in body
    progress = Client().get(f"/public/notice/{notice.pk}/render/pdf_a4/progress/")
    assert progress.status_code == 200
    assert 'id="rendering-job"' in progress.content.decode()


def test_failed_render_records_its_chinese_error_and_can_be_retried(
    notice: Notice, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    def missing_font(notice: Notice, size: str = "A4") -> bytes:
        raise render.RenderError("未找到中文字体 Noto Sans CJK SC，请在服务器上安装 fonts-noto-cjk")

    monkeypatch.setattr(render, "notice_pdf", missing_font)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.get(f"/public/notice/{notice.pk}/render/pdf_a4/")
    rendering = Rendering.objects.get()
    assert rendering.status == RenderingStatus.FAILED
    assert rendering.error.startswith("未找到中文字体")
    progress = client.get(f"/public/notice/{notice.pk}/render/pdf_a4/progress/").content.decode()
    assert "未找到中文字体" in progress
    assert "重试" in progress

    monkeypatch.setattr(render, "notice_pdf", lambda notice, size="A4": PDF_FAKE)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(f"/public/notice/{notice.pk}/render/pdf_a4/")
    rendering.refresh_from_db()
    assert (rendering.status, rendering.error) == (RenderingStatus.DONE, "")
    assert Rendering.objects.count() == 1
    done = client.get(f"/public/notice/{notice.pk}/render/pdf_a4/")
    assert done.status_code == 302
    file = client.get(done["Location"])
    assert file["Content-Type"] == "application/pdf"
    assert b"".join(file.streaming_content) == PDF_FAKE


def test_unexpected_error_is_recorded_in_general_terms(
    notice: Notice, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    def broken(notice: Notice) -> bytes:
        raise RuntimeError("cairo exploded")

    monkeypatch.setattr(render, "notice_image", broken)
    # the task fails (and is logged); the immediate backend records that and carries on
    with django_capture_on_commit_callbacks(execute=True):
        renderings.rendering_request(actor=None, notice=notice, kind=RenderingKind.PNG)
    rendering = Rendering.objects.get()
    assert rendering.status == RenderingStatus.FAILED
    assert rendering.error == "生成时出现系统错误，请稍后重试；多次失败请联系管理员"


@pytest.mark.usefixtures("fast_render")
def test_withdrawn_notice_is_not_printed(notice: Notice, cadre: User) -> None:
    services.notice_withdraw(actor=cadre, notice=notice, reason="名单有误")
    api = Client().post(f"/api/v1/public/notices/{notice.pk}/renderings/pdf_a4")
    assert api.status_code == 409
    assert api.json()["message"] == "公告已撤回，不再提供打印和分享"
    page = Client().get(f"/public/notice/{notice.pk}/")
    assert "打印（A4）" not in page.content.decode()


def test_notice_pages_link_the_channels(notice: Notice, cadre: User) -> None:
    public = Client().get(f"/public/notice/{notice.pk}/").content.decode()
    staff = client_for(cadre).get(f"/disclosure/{notice.pk}/").content.decode()
    for page, prefix in (
        (public, f"/public/notice/{notice.pk}"),
        (staff, f"/disclosure/{notice.pk}"),
    ):
        for label, path in (
            ("打印（A4）", "/render/pdf_a4/"),
            ("打印（A3）", "/render/pdf_a3/"),
            ("分享图片", "/render/png/"),
            ("广播稿", "/broadcast/"),
        ):
            assert f'href="{prefix}{path}">{label}</a>' in page, (label, prefix)


def test_render_requests_are_rate_limited(notice: Notice, fast_render: None) -> None:
    client = Client()
    for _ in range(30):
        assert client.get(f"/public/notice/{notice.pk}/render/pdf_a4/").status_code in (200, 302)
    assert client.get(f"/public/notice/{notice.pk}/render/pdf_a4/").status_code == 429


# ---------------------------------------------------------------- API


def test_api_rendering_is_queued_then_offers_the_download(
    notice: Notice, fast_render: None, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    path = f"/api/v1/public/notices/{notice.pk}/renderings/png"
    with django_capture_on_commit_callbacks() as callbacks:
        queued = client.post(path)
    assert queued.status_code == 202
    assert queued.json() == {
        "kind": "png", "status": "queued", "status_label": "排队中", "error": "",
        "download_url": None,
    }  # fmt: skip
    for callback in callbacks:
        callback()
    done = client.post(path)
    assert done.status_code == 200
    assert done.json()["download_url"] == (
        f"http://testserver/public/notice/{notice.pk}/render/png/file/"
    )
    assert client.get(done.json()["download_url"]).status_code == 200
    assert client.post(f"/api/v1/public/notices/{notice.pk}/renderings/gif").status_code == 422


def test_api_broadcast_is_plain_text(notice: Notice) -> None:
    response = Client().get(f"/api/v1/public/notices/{notice.pk}/broadcast")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == render.broadcast_script(notice)
