from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.disclosure import selectors, services
from cunwu.disclosure.models import (
    Category,
    DisclosureRule,
    Notice,
    NoticeStatus,
    Objection,
    ObjectionStatus,
)
from cunwu.disclosure.services import Period
from cunwu.testing import TEST_PASSWORD, make_id_number

PDF = b"%PDF-1.7\n" + b"0" * 64


def client_for(user: User | None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


@pytest.fixture
def cadre(persona: Callable[[str], User]) -> User:
    return persona("九龙村村干部")


@pytest.fixture
def notice(cadre: User, jiulong: Region) -> Notice:
    return services.notice_publish(
        actor=cadre,
        region=jiulong,
        category=Category.BENEFIT if False else Category.VILLAGE,
        title="2026年度低保对象公示",
        body="<p>经村民代表会议评议，拟确定以下对象。</p>",
        rows={
            "columns": ["姓名", "身份证号", "联系电话"],
            "rows": [["李四", make_id_number(2, birth="19720304"), "13812345678"]],
        },
        period=Period(days=5),
    )


def test_cadre_drafts_with_a_pasted_list_and_publishes(cadre: User, jiulong: Region) -> None:
    client = client_for(cadre)
    id_number = make_id_number(5, birth="19660101")
    response = client.post(
        "/disclosure/new/",
        {
            "region": jiulong.code,
            "category": Category.VILLAGE,
            "title": "村道硬化工程验收结果公示",
            "body": "工程已于11月20日验收。\n联系人：张三 13912345678",
            "table_text": f"姓名\t身份证号\t金额\n王五\t{id_number}\t1200\n",
            "period_days": "7",
            "period_unit": "working",
        },
    )
    assert response.status_code == 302
    notice = Notice.objects.get()
    assert response["Location"] == f"/disclosure/{notice.pk}/"
    assert notice.body == "<p>工程已于11月20日验收。</p><p>联系人：张三 139****5678</p>"
    assert notice.rows == [["王五", f"{id_number[:6]}********{id_number[-4:]}", "1200"]]
    upload = SimpleUploadedFile("验收报告.pdf", PDF, content_type="application/pdf")
    assert client.post(f"/disclosure/{notice.pk}/attachments/", {"file": upload}).status_code == 302
    assert client.post(f"/disclosure/{notice.pk}/submit/").status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED
    assert notice.attachments.count() == 1
    page = client.get(f"/disclosure/{notice.pk}/")
    assert page.status_code == 200
    assert id_number not in page.content.decode()


def test_bad_list_is_refused_with_its_row_and_nothing_saved(cadre: User, jiulong: Region) -> None:
    response = client_for(cadre).post(
        "/disclosure/new/",
        {
            "region": jiulong.code,
            "category": Category.VILLAGE,
            "title": "名单",
            "table_text": "姓名\t健康状况\n李四\t良好\n",
            "period_days": "0",
            "period_unit": "natural",
        },
    )
    assert response.status_code == 200
    assert "健康状况" in response.content.decode()
    assert Notice.objects.count() == 0


def test_another_villages_cadre_gets_not_found(
    notice: Notice, persona: Callable[[str], User]
) -> None:
    other = client_for(persona("另一村的村干部"))
    assert other.get(f"/disclosure/{notice.pk}/").status_code == 404
    assert other.post(f"/disclosure/{notice.pk}/withdraw/", {"reason": "x"}).status_code == 404
    villager = client_for(persona("九龙村村民"))
    assert villager.get("/disclosure/").status_code == 403
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PUBLISHED


def test_portal_shows_published_notices_masked_and_never_drafts(
    notice: Notice, cadre: User, jiulong: Region
) -> None:
    services.notice_create(actor=cadre, region=jiulong, category=Category.PARTY, title="草稿标题")
    public = Client()
    page = public.get(f"/public/{jiulong.code}/").content.decode()
    assert "2026年度低保对象公示" in page
    assert "草稿标题" not in page
    detail = public.get(f"/public/notice/{notice.pk}/")
    body = detail.content.decode()
    assert detail.status_code == 200
    assert "138****5678" in body
    assert "13812345678" not in body
    assert make_id_number(2, birth="19720304") not in body
    assert "本页内容与发布时登记在审计链上的内容一致" in body
    draft = Notice.objects.get(title="草稿标题")
    assert public.get(f"/public/notice/{draft.pk}/").status_code == 404


def test_portal_detects_a_notice_changed_behind_the_chains_back(notice: Notice) -> None:
    Notice.objects.filter(pk=notice.pk).update(title="改过的标题")
    body = Client().get(f"/public/notice/{notice.pk}/").content.decode()
    assert "本页内容与发布记录不一致" in body


def test_villager_objects_anonymously_and_follows_the_outcome(
    notice: Notice, persona: Callable[[str], User]
) -> None:
    public = Client()
    missing = public.post(f"/public/notice/{notice.pk}/", {"text": "李四已有稳定收入"})
    assert missing.status_code == 200
    assert "联系电话" in missing.content.decode()
    assert Objection.objects.count() == 0
    response = public.post(
        f"/public/notice/{notice.pk}/", {"text": "李四已有稳定收入", "phone": "13700001111"}
    )
    objection = Objection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/public/track/{objection.code}/?new=1"
    assert "待处理" in public.get(f"/public/track/{objection.code}/").content.decode()
    committee = client_for(persona("九龙村监委会委员"))
    handled = committee.post(
        f"/disclosure/objections/{objection.pk}/handle/",
        {"upheld": "1", "outcome": "经入户核实，李四已务工，取消拟定资格"},
    )
    assert handled.status_code == 302
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.UPHELD
    page = public.get(f"/public/track/{objection.code.lower()}/").content.decode()
    assert "经入户核实" in page
    assert public.get("/public/track/NOPE12345/").status_code == 404


def test_cadre_cannot_handle_objections(notice: Notice, cadre: User) -> None:
    objection = services.objection_submit(notice=notice, phone="13700001111", text="有误")
    client_for(cadre).post(
        f"/disclosure/objections/{objection.pk}/handle/", {"upheld": "0", "outcome": "驳回"}
    )
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.PENDING


def test_objections_are_rate_limited_per_client(notice: Notice) -> None:
    public = Client()
    statuses = [
        public.post(
            f"/public/notice/{notice.pk}/", {"text": f"第{i}条", "phone": "13700001111"}
        ).status_code
        for i in range(11)
    ]
    assert statuses == [302] * 10 + [429]
    assert Objection.objects.count() == 10


def test_committee_signs_off_a_financial_notice_in_the_browser(
    cadre: User, jiulong: Region, persona: Callable[[str], User]
) -> None:
    draft = services.notice_create(
        actor=cadre, region=jiulong, category=Category.FINANCE, title="10月财务收支",
        body="<p>收入 1,200 元。</p>",
    )  # fmt: skip
    client_for(cadre).post(f"/disclosure/{draft.pk}/submit/")
    committee = client_for(persona("九龙村监委会委员"))
    todo = committee.get("/disclosure/todo/").content.decode()
    assert "10月财务收支" in todo
    committee.post(f"/disclosure/{draft.pk}/signoff/", {"approve": "1", "note": "凭证齐全"})
    draft.refresh_from_db()
    assert draft.status == NoticeStatus.PUBLISHED
    assert draft.signoff_note == "凭证齐全"


def test_large_text_mode_is_a_cookie_and_only_redirects_inside_the_site(jiulong: Region) -> None:
    public = Client()
    on = public.get(f"/public/text-size/?large=1&next=/public/{jiulong.code}/")
    assert on.status_code == 302
    assert on["Location"] == f"/public/{jiulong.code}/"
    assert 'class="large-text"' in public.get(f"/public/{jiulong.code}/").content.decode()
    away = public.get("/public/text-size/?next=https://evil.example/")
    assert away["Location"] == "/public/"


def test_overdue_list_names_villages_that_did_not_disclose(
    persona: Callable[[str], User], jiulong: Region, cadre: User
) -> None:
    township = persona("开云镇干部")
    body = client_for(township).get("/disclosure/overdue/").content.decode()
    assert "九龙村" in body
    assert "党务" in body
    assert client_for(persona("九龙村村民")).get("/disclosure/overdue/").status_code == 403


def test_closing_command_is_safe_to_run_twice(notice: Notice) -> None:
    from django.core.management import call_command

    end = notice.period_end
    assert end is not None
    after = (end + timedelta(days=1)).isoformat()
    call_command("notices", "close", "--today", after)
    call_command("notices", "close", "--today", after)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PASSED
    assert date.fromisoformat(after) > end


def test_portal_page_is_cached_until_a_notice_of_the_village_changes(
    notice: Notice, cadre: User, jiulong: Region, django_capture_on_commit_callbacks: Any
) -> None:
    public = Client()
    url = f"/public/{jiulong.code}/"
    assert "2026年度低保对象公示" in public.get(url).content.decode()
    Notice.objects.filter(pk=notice.pk).update(title="绕过服务改的标题")  # not through a service
    assert "2026年度低保对象公示" in public.get(url).content.decode()  # served from the cache
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_publish(
            actor=cadre, region=jiulong, category=Category.PARTY, title="党费收缴情况公开",
            body="<p>全体党员均已按时缴纳。</p>",
        )  # fmt: skip
    fresh = public.get(url).content.decode()
    assert "党费收缴情况公开" in fresh
    assert "绕过服务改的标题" in fresh
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_withdraw(actor=cadre, notice=notice, reason="重发")
    assert "已撤回" in public.get(url).content.decode()


def test_township_sets_the_catalogue_and_the_overdue_list_follows_it(
    persona: Callable[[str], User], jiulong: Region, notice: Notice
) -> None:
    township = client_for(persona("开云镇干部"))
    page = township.get(f"/disclosure/catalogue/?village={jiulong.code}").content.decode()
    assert "村民委员会组织法第三十条（默认）" in page
    bad = township.post(
        "/disclosure/catalogue/",
        {"region": jiulong.code, "category": "finance", "frequency": "monthly", "deadline_day": 31},
    )
    assert bad.status_code == 200
    assert DisclosureRule.objects.count() == 0
    done = township.post(
        "/disclosure/catalogue/",
        {"region": "430423100000", "category": "finance", "frequency": "monthly",
         "deadline_day": 10, "note": "开云镇三资管理办法"},
    )  # fmt: skip
    assert done.status_code == 302
    rule = DisclosureRule.objects.get()
    assert (rule.region_id, rule.frequency, rule.deadline_day) == ("430423100000", "monthly", 10)
    page = township.get(f"/disclosure/catalogue/?village={jiulong.code}").content.decode()
    assert "衡山县开云镇" in page
    overdue = selectors.overdue_list(actor=persona("开云镇干部"), today=date(2026, 11, 25))
    finance = [o for o in overdue if o.category == "finance" and o.village.code == jiulong.code]
    assert [(o.period, o.deadline) for o in finance] == [("2026年10月", date(2026, 11, 10))]
    cadre = client_for(persona("九龙村村干部"))
    refused = cadre.post(
        "/disclosure/catalogue/",
        {"region": jiulong.code, "category": "party", "frequency": "monthly", "deadline_day": 5},
    )
    assert refused.status_code == 403
    township.post(f"/disclosure/catalogue/{rule.pk}/delete/")
    assert DisclosureRule.objects.count() == 0
