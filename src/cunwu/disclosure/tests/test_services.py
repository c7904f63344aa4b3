from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import given
from hypothesis import strategies as st

from cunwu.accounts.models import User
from cunwu.core import workdays
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent, Region
from cunwu.core.services.audit import audit_verify
from cunwu.disclosure import content, services
from cunwu.disclosure.models import (
    Category,
    Notice,
    NoticeStatus,
    ObjectionStatus,
    PeriodUnit,
)
from cunwu.disclosure.services import Period, Subject
from cunwu.disclosure.signals import notice_closed
from cunwu.testing import make_id_number

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


@pytest.fixture
def cadre(persona: Callable[[str], User]) -> User:
    return persona("九龙村村干部")


@pytest.fixture
def committee(persona: Callable[[str], User]) -> User:
    return persona("九龙村监委会委员")


def publish(cadre: User, village: Region, **kw: Any) -> Notice:
    kw.setdefault("category", Category.VILLAGE)
    kw.setdefault("title", "2026年第三季度村务公开")
    kw.setdefault("body", "<p>本季度修缮村道一条。</p>")
    return services.notice_publish(actor=cadre, region=village, **kw)


# ---------------------------------------------------------------- content


def test_body_is_sanitised_and_personal_numbers_masked() -> None:
    id_number = make_id_number(7, birth="19800101")
    body = (
        f'<p onclick="x()">张三 {id_number} 电话 138-1234-5678</p>'
        '<script>alert(1)</script><a href="javascript:alert(1)">链接</a>'
        '<p style="color:red">红</p>'
    )
    clean = content.clean_body(body)
    assert id_number not in clean
    assert f"{id_number[:6]}********{id_number[-4:]}" in clean
    assert "138****5678" in clean
    assert "script" not in clean
    assert "onclick" not in clean
    assert "javascript" not in clean
    assert "style" not in clean


def test_table_masks_cells_and_refuses_illness_columns() -> None:
    id_number = make_id_number(8, birth="19500505")
    table = content.clean_table(
        {"columns": ["姓名", "身份证号", "金额（元）"], "rows": [["李四", id_number, 1200]]}
    )
    assert table == {
        "columns": ["姓名", "身份证号", "金额（元）"],
        "rows": [["李四", f"{id_number[:6]}********{id_number[-4:]}", "1200"]],
    }
    with pytest.raises(ApplicationError, match="健康状况"):
        content.clean_table({"columns": ["姓名", "健康状况"], "rows": [["李四", "良好"]]})
    with pytest.raises(ApplicationError, match="第2行有1格"):
        content.clean_table({"columns": ["姓名", "金额"], "rows": [["甲", 1], ["乙"]]})


@given(st.text(max_size=80))
def test_masked_text_never_keeps_a_full_mobile_number(text: str) -> None:
    masked = content.mask_numbers(text + " 13912345678 ")
    assert "13912345678" not in masked


def test_attachment_types_are_judged_by_content() -> None:
    assert content.check_attachment("a.pdf", PDF)[0] == "application/pdf"
    assert content.check_attachment("a.png", PNG)[0] == "image/png"
    with pytest.raises(ApplicationError, match="不是 PDF、PNG 或 JPEG"):
        content.check_attachment("a.pdf", b"MZ\x90\x00 pretending")
    with pytest.raises(ApplicationError, match="超过10 MB"):
        content.check_attachment("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))


# ---------------------------------------------------------------- publication


def test_village_notice_goes_public_at_once_with_a_chained_hash(
    cadre: User, jiulong: Region
) -> None:
    notice = publish(cadre, jiulong, period=Period(days=7))
    assert notice.status == NoticeStatus.PUBLISHED
    assert notice.period_start == date.today()
    assert notice.period_end == workdays.roll_forward(date.today() + timedelta(days=7))
    assert notice.content_hash == services.content_hash(notice)
    event = notice.published_event
    assert event is not None
    assert event.action == "disclosure.notice_publish"
    assert event.payload["content_hash"] == notice.content_hash
    assert audit_verify(prefix=jiulong.code) == (2, None)


def test_financial_notice_waits_for_the_committee(
    cadre: User, committee: User, jiulong: Region
) -> None:
    notice = publish(cadre, jiulong, category=Category.FINANCE, title="10月财务收支")
    assert notice.status == NoticeStatus.PENDING_SIGNOFF
    assert notice.published_at is None
    with pytest.raises(PermissionDenied):
        services.notice_signoff(actor=cadre, notice=notice, approve=True)
    with pytest.raises(ApplicationError, match="退回时请写明理由"):
        services.notice_signoff(actor=committee, notice=notice, approve=False)
    returned = services.notice_signoff(
        actor=committee, notice=notice, approve=False, note="缺少10月5日的支出凭证"
    )
    assert returned.status == NoticeStatus.DRAFT
    services.notice_update(
        actor=cadre, notice=returned, category=Category.FINANCE, title="10月财务收支（补充）",
        body="<p>补充凭证。</p>",
    )  # fmt: skip
    again = services.notice_submit(actor=cadre, notice=Notice.objects.get(pk=notice.pk))
    published = services.notice_signoff(actor=committee, notice=again, approve=True)
    assert published.status == NoticeStatus.PUBLISHED
    assert published.signed_off_by == committee
    assert published.published_by == cadre


def test_only_staff_in_scope_may_publish(
    persona: Callable[[str], User], jiulong: Region, regions: dict[str, Region]
) -> None:
    for name in ("九龙村村民", "另一村的村干部", "九龙村监委会委员", "九龙村工作队员"):
        with pytest.raises(PermissionDenied):
            publish(persona(name), jiulong)
    assert Notice.objects.count() == 0
    assert publish(persona("开云镇干部"), jiulong).status == NoticeStatus.PUBLISHED


def test_bad_period_and_empty_notices_are_refused_and_nothing_is_stored(
    cadre: User, jiulong: Region
) -> None:
    with pytest.raises(ApplicationError, match="1到60天"):
        publish(cadre, jiulong, period=Period(days=61))
    with pytest.raises(ApplicationError, match="不能早于今天"):
        publish(cadre, jiulong, period=Period(days=5, start=date.today() - timedelta(days=1)))
    with pytest.raises(ApplicationError, match="没有正文、名单或附件"):
        publish(cadre, jiulong, body="<script>x</script>")
    assert Notice.objects.count() == 0


def test_working_day_period_skips_the_national_day_holiday(db: None) -> None:
    notice = Notice(period_days=5, period_unit=PeriodUnit.WORKING)
    services._fix_period(notice, date(2026, 9, 30))  # published on 9-30
    # 9-30 does not count; 10-01..07 rest; 10-08 Thu, 10-09 Fri, 10-10 Sat (调休上班),
    # 10-12 Mon, 10-13 Tue
    assert (notice.period_start, notice.period_end) == (date(2026, 9, 30), date(2026, 10, 13))
    assert notice.period_warning == ""
    late = Notice(period_days=5, period_unit=PeriodUnit.WORKING)
    services._fix_period(late, date(2026, 12, 28))
    assert late.period_end == date(2027, 1, 4)  # weekends only in 2027: and it says so
    assert late.period_warning.startswith("2027年的法定节假日安排尚未录入")


def test_attachments_are_checked_and_counted_in_the_hash(cadre: User, jiulong: Region) -> None:
    notice = services.notice_create(
        actor=cadre, region=jiulong, category=Category.VILLAGE, title="村规民约修订稿"
    )
    services.attachment_add(actor=cadre, notice=notice, name="修订稿.pdf", data=PDF)
    with pytest.raises(ApplicationError):
        services.attachment_add(actor=cadre, notice=notice, name="病毒.pdf", data=b"MZ")
    published = services.notice_submit(actor=cadre, notice=notice)
    assert published.attachments.count() == 1
    assert published.content_hash == services.content_hash(published)
    with pytest.raises(ApplicationError, match="不能执行此操作"):
        services.attachment_add(actor=cadre, notice=published, name="b.png", data=PNG)


# ---------------------------------------------------------------- objections and closing


def test_anonymous_objection_needs_a_phone_and_gets_a_code(cadre: User, jiulong: Region) -> None:
    notice = publish(cadre, jiulong, period=Period(days=5))
    with pytest.raises(ApplicationError, match="联系电话"):
        services.objection_submit(notice=notice, text="名单有误")
    objection = services.objection_submit(
        notice=notice, name="王五", phone="13812345678", text="名单中李四已迁出本村"
    )
    assert len(objection.code) == 10
    assert objection.phone_masked == "138****5678"
    assert "13812345678" not in objection.phone_encrypted


def test_no_objection_after_the_period(cadre: User, jiulong: Region) -> None:
    notice = publish(cadre, jiulong, period=Period(days=5))
    Notice.objects.filter(pk=notice.pk).update(period_end=date.today() - timedelta(days=1))
    with pytest.raises(ApplicationError, match="不在公示期内"):
        services.objection_submit(notice=notice, phone="13812345678", text="有误")
    plain = publish(cadre, jiulong, title="党务公开")  # 公开 without a period
    with pytest.raises(ApplicationError, match="不在公示期内"):
        services.objection_submit(notice=plain, phone="13812345678", text="有误")


def test_period_end_closes_passed_and_signals_once(cadre: User, jiulong: Region) -> None:
    received: list[tuple[int, str]] = []

    def listener(sender: Any, notice: Notice, outcome: str, **kw: Any) -> None:
        received.append((notice.pk, outcome))

    notice_closed.connect(listener)
    try:
        notice = publish(
            cadre, jiulong, period=Period(days=5),
            subject=Subject("points.application", "42"),
        )  # fmt: skip
        end = notice.period_end
        assert end is not None
        assert services.notices_close_due(today=end) == 0  # the last day is still in
        assert services.notices_close_due(today=end + timedelta(days=1)) == 1
        assert services.notices_close_due(today=end + timedelta(days=1)) == 0  # twice is safe
    finally:
        notice_closed.disconnect(listener)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PASSED
    assert received == [(notice.pk, "passed")]


def test_upheld_objection_returns_the_notice_and_pending_ones_hold_it_open(
    cadre: User, committee: User, jiulong: Region, persona: Callable[[str], User]
) -> None:
    received: list[str] = []

    def listener(sender: Any, notice: Notice, outcome: str, **kw: Any) -> None:
        received.append(outcome)

    notice_closed.connect(listener)
    try:
        notice = publish(cadre, jiulong, period=Period(days=5))
        villager = persona("九龙村村民")
        first = services.objection_submit(notice=notice, user=villager, text="补贴金额有误")
        second = services.objection_submit(notice=notice, phone="13812345678", text="名单漏人")
        end = notice.period_end
        assert end is not None
        after = end + timedelta(days=1)
        assert services.notices_close_due(today=after) == 0  # objections still pending
        with pytest.raises(PermissionDenied):
            services.objection_handle(actor=cadre, objection=first, upheld=True, outcome="核实")
        services.objection_handle(
            actor=committee, objection=first, upheld=True, outcome="经核实金额计算错误"
        )
        with pytest.raises(ApplicationError, match="已处理"):
            services.objection_handle(
                actor=committee, objection=first, upheld=False, outcome="再次"
            )
        notice.refresh_from_db()
        assert notice.status == NoticeStatus.PUBLISHED  # the period is still running
        Notice.objects.filter(pk=notice.pk).update(period_end=date.today() - timedelta(days=1))
        services.objection_handle(
            actor=committee, objection=second, upheld=False, outcome="经核实未漏报"
        )
    finally:
        notice_closed.disconnect(listener)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.RETURNED
    assert notice.close_note == "公示期满，1条异议成立"
    assert received == ["returned"]
    first.refresh_from_db()
    assert first.status == ObjectionStatus.UPHELD
    assert first.handled_by == committee
    actions = list(
        AuditEvent.objects.filter(action__startswith="disclosure.").values_list("action", flat=True)
    )
    assert actions == [
        "disclosure.notice_create",
        "disclosure.notice_publish",
        "disclosure.objection_submit",
        "disclosure.objection_submit",
        "disclosure.objection_handle",
        "disclosure.objection_handle",
        "disclosure.notice_close",
    ]


def test_withdraw_needs_a_reason_and_keeps_the_record(cadre: User, jiulong: Region) -> None:
    notice = publish(cadre, jiulong, period=Period(days=5))
    with pytest.raises(ApplicationError, match="撤回理由"):
        services.notice_withdraw(actor=cadre, notice=notice, reason=" ")
    services.notice_withdraw(actor=cadre, notice=notice, reason="金额填错，更正后重发")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.WITHDRAWN
    assert services.notices_close_due(today=date.today() + timedelta(days=30)) == 0
