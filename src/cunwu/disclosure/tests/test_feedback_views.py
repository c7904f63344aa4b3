"""Feedback pages: the public form, tracking and rating by code, the staff list, detail,
handling and statistics, with a complaint about a named cadre hidden from that cadre on every
page and in every figure."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.disclosure import services_feedback as services
from cunwu.disclosure.models import Feedback, FeedbackKind, FeedbackStatus
from cunwu.testing import JIULONG, YANJIANG, business_events

NEW = "/public/feedback/new/"


@pytest.fixture
def cadre(persona: Callable[[str], User]) -> User:
    return persona("九龙村村干部")


def _client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _submit(village: Region, **kw: Any) -> Feedback:
    kw.setdefault("kind", FeedbackKind.SUGGESTION)
    kw.setdefault("text", "村口路灯坏了三盏。")
    return services.feedback_submit(village=village, **kw)


# ---------------------------------------------------------------- public


def test_the_form_without_a_village_offers_a_picker(regions: dict[str, Region]) -> None:
    page = Client().get(NEW).content.decode()
    assert "请先找到您所在的村" in page
    found = Client().get(NEW, {"q": "九龙"}).content.decode()
    assert f"?region={JIULONG}" in found
    assert "衡山县开云镇九龙村委会" in found
    assert "没有找到" in Client().get(NEW, {"q": "不存在的村"}).content.decode()


def test_an_anonymous_villager_submits_follows_and_rates_by_code(
    jiulong: Region, cadre: User
) -> None:
    public = Client()
    form = public.get(NEW, {"region": JIULONG}).content.decode()
    assert "九龙村村干部" in form  # a complaint may name a cadre of the village
    assert "匿名提交" not in form  # not logged in: anonymous anyway
    response = public.post(
        f"{NEW}?region={JIULONG}",
        {"kind": "complaint", "text": "村道修了一半就停工了。", "phone": "13700001111"},
    )
    assert response.status_code == 302
    code = re.search(r"/public/feedback/([A-Z0-9]+)/\?new=1", response["Location"])
    assert code is not None
    feedback = Feedback.objects.get(code=code.group(1))
    assert (feedback.village_id, feedback.submitted_by, feedback.phone_masked) == (
        JIULONG, None, "137****1111"
    )  # fmt: skip
    page = public.get(response["Location"]).content.decode()
    assert feedback.code in page and "凭此码查看" in page
    services.feedback_reply(actor=cadre, feedback=feedback, text="内部：已转交", internal=True)
    services.feedback_reply(actor=cadre, feedback=feedback, text="已联系施工队。")
    page = public.get(f"/public/feedback/{feedback.code.lower()}/").content.decode()
    assert "已联系施工队。" in page
    assert "内部：已转交" not in page  # internal notes never reach the public
    assert "满意度评价" not in page  # not resolved yet
    services.feedback_resolve(actor=cadre, feedback=feedback, resolution="已复工，月底完工。")
    page = public.get(f"/public/feedback/{feedback.code}/").content.decode()
    assert "满意度评价" in page
    rated = public.post(f"/public/feedback/{feedback.code}/", {"score": "5", "comment": "好"})
    assert rated.status_code == 302
    assert Feedback.objects.get(pk=feedback.pk).satisfaction == 5
    again = public.post(f"/public/feedback/{feedback.code}/", {"score": "1"})
    assert again.status_code == 200
    assert Feedback.objects.get(pk=feedback.pk).satisfaction == 5


def test_tracking_by_a_typed_code(jiulong: Region) -> None:
    feedback = _submit(jiulong)
    public = Client()
    response = public.post("/public/feedback/track/", {"code": feedback.code.lower()})
    assert response["Location"] == f"/public/feedback/{feedback.code}/"
    assert public.post("/public/feedback/track/", {"code": "不对"}).status_code == 302
    assert public.get("/public/feedback/NOSUCHCODE/").status_code == 404


def test_a_feedback_of_an_account_is_rated_only_by_that_account(
    jiulong: Region, cadre: User, persona: Callable[[str], User]
) -> None:
    villager = persona("九龙村村民")
    feedback = _submit(jiulong, user=villager)
    services.feedback_resolve(actor=cadre, feedback=feedback, resolution="已处理。")
    url = f"/public/feedback/{feedback.code}/"
    assert "请登录提交该事项的账号后评价" in Client().get(url).content.decode()
    assert Client().post(url, {"score": "1"}).status_code == 200  # refused, shown on the page
    assert Feedback.objects.get(pk=feedback.pk).satisfaction is None
    assert _client(villager).post(url, {"score": "4"}).status_code == 302
    assert Feedback.objects.get(pk=feedback.pk).satisfaction == 4


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "complaint", "text": ""},
        {"kind": "praise", "text": "好"},
        {"kind": "question", "text": "x", "phone": "123"},
        {"kind": "suggestion", "text": "x", "about_user": "999999"},
    ],
)
def test_bad_input_on_the_public_form_changes_nothing(
    jiulong: Region, cadre: User, data: dict[str, str]
) -> None:
    response = Client().post(f"{NEW}?region={JIULONG}", data)
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Feedback.objects.exists()
    assert not business_events().exists()


def test_naming_a_cadre_in_a_suggestion_is_refused_on_the_form(
    jiulong: Region, cadre: User
) -> None:
    data = {"kind": "suggestion", "text": "建议", "about_user": str(cadre.pk)}
    response = Client().post(f"{NEW}?region={JIULONG}", data)
    assert "只有投诉可以指明涉及的村干部" in response.content.decode()
    assert not Feedback.objects.exists()


def test_the_public_form_is_rate_limited(jiulong: Region) -> None:
    public = Client()
    for _ in range(10):
        public.post(f"{NEW}?region={JIULONG}", {"kind": "question", "text": "几点开会？"})
    assert (
        public.post(f"{NEW}?region={JIULONG}", {"kind": "question", "text": "?"}).status_code == 429
    )
    assert Feedback.objects.count() == 10


# ---------------------------------------------------------------- staff


@pytest.fixture
def complaint(jiulong: Region, cadre: User) -> Feedback:
    return _submit(
        jiulong, kind=FeedbackKind.COMPLAINT, text="村干部截留补贴款。", about_user=cadre
    )


def test_a_complaint_about_a_cadre_is_hidden_from_that_cadre_on_every_page(
    jiulong: Region, cadre: User, complaint: Feedback, persona: Callable[[str], User]
) -> None:
    ordinary = _submit(jiulong)
    own = _client(cadre)
    listing = own.get("/disclosure/feedback/").content.decode()
    assert ordinary.code in listing
    assert complaint.code not in listing and "截留" not in listing
    assert "共 1 件" in listing
    assert own.get(f"/disclosure/feedback/{complaint.pk}/").status_code == 404
    assert own.post(f"/disclosure/feedback/{complaint.pk}/reply/", {"text": "x"}).status_code == 404
    assert "共 0 件" in own.get("/disclosure/feedback/", {"q": complaint.code}).content.decode()
    stats = own.get("/disclosure/feedback/stats/", {"format": "csv"}).content.decode("utf-8-sig")
    total = list(csv.reader(io.StringIO(stats)))[-1]
    assert total[0] == "合计" and total[6] == "1"  # only the ordinary one is counted
    # the committee and the township see it and say so
    committee = _client(persona("九龙村监委会委员"))
    assert complaint.code in committee.get("/disclosure/feedback/").content.decode()
    page = committee.get(f"/disclosure/feedback/{complaint.pk}/").content.decode()
    assert "该村干部看不到此件" in page


def test_scope_another_village_is_404_and_a_villager_403(
    jiulong: Region, persona: Callable[[str], User]
) -> None:
    feedback = _submit(jiulong)
    other = _client(persona("另一村的村干部"))
    assert feedback.code not in other.get("/disclosure/feedback/").content.decode()
    assert other.get(f"/disclosure/feedback/{feedback.pk}/").status_code == 404
    assert (
        other.post(f"/disclosure/feedback/{feedback.pk}/resolve/", {"resolution": "x"}).status_code
        == 404
    )
    villager = _client(persona("九龙村村民"))
    for url in ["/disclosure/feedback/", "/disclosure/feedback/stats/", "/disclosure/problems/",
                "/disclosure/committee/"]:  # fmt: skip
        assert villager.get(url).status_code == 403, url
    assert Feedback.objects.get(pk=feedback.pk).status == FeedbackStatus.PENDING


def test_staff_reply_resolve_and_close_from_the_detail_page(jiulong: Region, cadre: User) -> None:
    feedback = _submit(jiulong)
    staff = _client(cadre)
    url = f"/disclosure/feedback/{feedback.pk}/"
    assert staff.post(url + "reply/", {"text": ""}).status_code == 302  # refused, nothing saved
    assert not feedback.replies.exists()
    staff.post(url + "reply/", {"text": "备注：先核实", "internal": "on"})
    staff.post(url + "reply/", {"text": "正在核实。"})
    staff.post(url + "resolve/", {"resolution": "已更换路灯。"})
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.RESOLVED
    page = staff.get(url).content.decode()
    assert "内部备注" in page and "已更换路灯。" in page
    staff.post(url + "close/", {"reason": "群众已确认"})
    assert Feedback.objects.get(pk=feedback.pk).status == FeedbackStatus.CLOSED
    assert "已关闭" in staff.post(url + "reply/", {"text": "再补充"}, follow=True).content.decode()


def test_the_township_names_the_cadre_and_the_cadre_loses_the_page(
    jiulong: Region, cadre: User, persona: Callable[[str], User]
) -> None:
    feedback = _submit(jiulong, kind=FeedbackKind.COMPLAINT, text="低保评议不公。")
    assert _client(cadre).get(f"/disclosure/feedback/{feedback.pk}/").status_code == 200
    township = _client(persona("开云镇干部"))
    township.post(f"/disclosure/feedback/{feedback.pk}/cadre/", {"cadre": str(cadre.pk)})
    assert _client(cadre).get(f"/disclosure/feedback/{feedback.pk}/").status_code == 404


def test_statistics_give_exact_figures_and_export(
    jiulong: Region, regions: dict[str, Region], cadre: User, persona: Callable[[str], User]
) -> None:
    today = date.today()
    a = _submit(jiulong, kind=FeedbackKind.COMPLAINT, today=date(2026, 9, 1))  # long overdue
    b = _submit(jiulong, kind=FeedbackKind.COMPLAINT)
    c = _submit(jiulong, kind=FeedbackKind.QUESTION)
    _submit(regions[YANJIANG], kind=FeedbackKind.SUGGESTION)  # outside 开云镇
    services.feedback_resolve(actor=cadre, feedback=b, resolution="已处理")
    services.feedback_rate(feedback=b, code=b.code, score=4)
    services.feedback_resolve(actor=cadre, feedback=c, resolution="已答复")
    services.feedback_rate(feedback=c, code=c.code, score=5)
    assert a.resolve_due < today
    township = _client(persona("开云镇干部"))
    page = township.get("/disclosure/feedback/stats/").content.decode()
    assert "沿江村" not in page
    rows = list(csv.reader(io.StringIO(
        township.get("/disclosure/feedback/stats/", {"format": "csv"}).content.decode("utf-8-sig")
    )))  # fmt: skip
    assert rows == [
        ["村", "类型", "待回复", "已回复", "已办结", "已关闭", "合计", "逾期", "逾期率",
         "平均满意度", "评价数"],
        ["衡山县开云镇九龙村委会", "咨询", "0", "0", "1", "0", "1", "0", "0.0%", "5.00", "1"],
        ["衡山县开云镇九龙村委会", "投诉", "1", "0", "1", "0", "2", "1", "50.0%", "4.00", "1"],
        ["衡山县开云镇九龙村委会", "小计", "1", "0", "2", "0", "3", "1", "33.3%", "4.50", "2"],
        ["合计", "", "1", "0", "2", "0", "3", "1", "33.3%", "4.50", "2"],
    ]  # fmt: skip
    xlsx = township.get("/disclosure/feedback/stats/", {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[5]] == ["合计", None, 1, 0, 2, 0, 3, 1, "33.3%", "4.50", 2]


def test_the_list_filters_and_counts_with_few_queries(
    jiulong: Region, cadre: User, django_assert_max_num_queries: Any
) -> None:
    for i in range(12):
        _submit(jiulong, kind=FeedbackKind.QUESTION if i % 2 else FeedbackKind.SUGGESTION)
    staff = _client(cadre)
    staff.get("/disclosure/feedback/")
    with django_assert_max_num_queries(12):
        page = staff.get("/disclosure/feedback/", {"kind": "question"}).content.decode()
    assert "共 6 件" in page
    assert "共 0 件" in staff.get("/disclosure/feedback/", {"overdue": "1"}).content.decode()
