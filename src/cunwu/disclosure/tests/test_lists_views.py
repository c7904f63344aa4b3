"""Pages of the four lists, cases and 四议两公开: scope (another village 404, a villager 403),
forms that change nothing on bad input, the flowchart, the public case tracking by code."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.disclosure import services_lists as lists
from cunwu.disclosure.models import (
    Case,
    Decision,
    DecisionRecord,
    DecisionStage,
    ListItem,
    MeetingBody,
)
from cunwu.disclosure.services_lists import Meeting
from cunwu.testing import BALI, HENGSHAN, JIULONG, business_events


@pytest.fixture
def seeded(regions: dict[str, Region]) -> Region:
    call_command("lists", "seed", "--county", HENGSHAN[:6])
    return regions[HENGSHAN]


@pytest.fixture
def cadre(persona: Callable[[str], User]) -> User:
    return persona("九龙村村干部")


def _client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _template(name: str = "证明开具") -> ListItem:
    return ListItem.objects.get(region_id=HENGSHAN, name=name, active=True)


def _adopted(cadre: User, village: Region, name: str = "证明开具") -> ListItem:
    return lists.list_item_adopt(actor=cadre, template=_template(name), region=village)


def _no_inline_code(html: str) -> None:
    assert " style=" not in html
    assert " onclick=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)


# ---------------------------------------------------------------- list items


def test_a_cadre_sees_the_county_template_searches_and_filters(
    seeded: Region, cadre: User, django_assert_max_num_queries: Any
) -> None:
    client = _client(cadre)
    with django_assert_max_num_queries(12):
        page = client.get("/disclosure/lists/").content.decode()
    assert "村级工程项目建设" in page and "证明开具" in page
    _no_inline_code(page)
    found = client.get("/disclosure/lists/", {"q": "宅基地"}).content.decode()
    assert "宅基地申请初审" in found and "证明开具" not in found
    power = client.get("/disclosure/lists/", {"kind": "service"}).content.decode()
    assert "证明开具" in power and "村级工程项目建设" not in power


def test_a_villager_is_refused_the_staff_pages(seeded: Region, persona: Callable[[str], User],
                                              jiulong: Region, cadre: User) -> None:  # fmt: skip
    item = _adopted(cadre, jiulong)
    case = lists.case_open(actor=cadre, item=item, applicant_name="周德福")
    villager = _client(persona("九龙村村民"))
    for url in ("/disclosure/lists/", f"/disclosure/lists/{item.pk}/", "/disclosure/cases/",
                f"/disclosure/cases/{case.pk}/", "/disclosure/decisions/",
                "/disclosure/decisions/new/", "/disclosure/cases/overdue/"):  # fmt: skip
        assert villager.get(url).status_code == 403, url


def test_the_item_page_shows_the_flowchart_and_offers_it_for_download(
    seeded: Region, cadre: User
) -> None:
    item = _template("村级工程项目建设")
    client = _client(cadre)
    page = client.get(f"/disclosure/lists/{item.pk}/").content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page
    assert "竣工验收" in page and "10个工作日内" in page
    assert "示例事项" in page
    _no_inline_code(page)
    svg = client.get(f"/disclosure/lists/{item.pk}/flowchart.svg")
    assert svg["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert "attachment;" in svg["Content-Disposition"]
    body = svg.content.decode()
    assert body.startswith("<svg") and body.count("<rect") == item.steps.count() + 2
    assert "各环节时限合计" in body


def test_adopting_and_revising_through_the_pages(
    seeded: Region, cadre: User, jiulong: Region
) -> None:
    client = _client(cadre)
    template = _template()
    response = client.post(f"/disclosure/lists/{template.pk}/adopt/", {"region": JIULONG})
    copy = ListItem.objects.get(region=jiulong, key=template.key)
    assert response.status_code == 302 and response["Location"] == f"/disclosure/lists/{copy.pk}/"
    form = client.get(f"/disclosure/lists/{copy.pk}/revise/").content.decode()
    assert "受理、核实｜村民委员会｜1" in form
    before = (ListItem.objects.count(), business_events().count())
    bad = client.post(f"/disclosure/lists/{copy.pk}/revise/", {
        "name": "证明开具", "responsible": "村委会", "steps": "受理｜村委会｜三天", "note": "改",
    })  # fmt: skip
    assert bad.status_code == 200
    assert "第1行的时限“三天”应为工作日天数" in bad.content.decode()
    assert (ListItem.objects.count(), business_events().count()) == before
    good = client.post(f"/disclosure/lists/{copy.pk}/revise/", {
        "name": "证明开具", "responsible": "村委会",
        "steps": "受理｜村委会｜1｜\n审核｜村监委会｜2｜审核结果\n开具｜村委会｜1",
        "note": "加审核",
    })  # fmt: skip
    new = ListItem.objects.get(region=jiulong, key=template.key, active=True)
    assert good["Location"] == f"/disclosure/lists/{new.pk}/"
    assert (new.version, [s.limit_days for s in new.steps.all()]) == (2, [1, 2, 1])
    assert new.steps.get(order=2).disclose == "审核结果"
    page = client.get(f"/disclosure/lists/{new.pk}/").content.decode()
    assert "第1版" in page and "加审核" in page


def test_another_villages_item_and_case_are_not_found(
    seeded: Region, cadre: User, jiulong: Region, persona: Callable[[str], User]
) -> None:
    bali_cadre = persona("八里村村干部")
    bali_item = _adopted(bali_cadre, Region.objects.get(code=BALI))
    bali_case = lists.case_open(actor=bali_cadre, item=bali_item, applicant_name="王五")
    client = _client(cadre)
    for url in (f"/disclosure/lists/{bali_item.pk}/", f"/disclosure/lists/{bali_item.pk}/revise/",
                f"/disclosure/cases/{bali_case.pk}/",
                f"/disclosure/lists/{bali_item.pk}/cases/new/"):  # fmt: skip
        assert client.get(url).status_code == 404, url
    assert client.post(f"/disclosure/cases/{bali_case.pk}/advance/", {"step": 1}).status_code == 404
    bali_case.refresh_from_db()
    assert bali_case.step_order == 1
    other = _client(persona("另一村的村干部"))  # 衡南县: the 衡山县 template is not in sight
    assert other.get(f"/disclosure/lists/{_template().pk}/").status_code == 404
    township = _client(persona("开云镇干部"))
    assert township.get(f"/disclosure/cases/{bali_case.pk}/").status_code == 200


# ---------------------------------------------------------------- cases


def test_a_cadre_opens_and_advances_a_case_and_the_applicant_follows_it(
    seeded: Region, cadre: User, jiulong: Region, django_assert_max_num_queries: Any
) -> None:
    item = _adopted(cadre, jiulong, "残疾人证申请代办")
    client = _client(cadre)
    response = client.post(f"/disclosure/lists/{item.pk}/cases/new/", {
        "applicant_name": "周德福", "summary": "联系电话13912345678", "household_id": "12",
    })  # fmt: skip
    case = Case.objects.get()
    assert response["Location"] == f"/disclosure/cases/{case.pk}/"
    assert "139****5678" in case.summary and case.household_id == 12
    page = client.get(f"/disclosure/cases/{case.pk}/").content.decode()
    assert "受理、协助填写申请表（当前环节）" in page
    _no_inline_code(page)
    done = client.post(f"/disclosure/cases/{case.pk}/advance/", {"step": "1", "note": "已填表"})
    assert done.status_code == 302
    again = client.post(f"/disclosure/cases/{case.pk}/advance/", {"step": "1"}, follow=True)
    assert "该办件的环节已变化" in again.content.decode()
    case.refresh_from_db()
    assert case.step_order == 2
    bad = client.post(f"/disclosure/cases/{case.pk}/comment/", {"note": "x", "attachment": _file()})
    assert bad.status_code == 302
    assert case.events.count() == 2

    public = Client()
    track = public.post("/public/case/track/", {"code": f" {case.code.lower()} "})
    assert track["Location"] == f"/public/case/track/{case.code}/"
    with django_assert_max_num_queries(6):
        text = public.get(track["Location"]).content.decode()
    assert "残疾人证申请代办" in text and "报乡镇残联（当前环节）" in text
    assert "周德福" not in text and "139" not in text and "已填表" not in text
    _no_inline_code(text)
    assert public.get("/public/case/track/NOSUCHCODE/").status_code == 404


def _file() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("a.exe", b"MZ\x90\x00", content_type="application/octet-stream")


def test_the_public_tracking_is_rate_limited(seeded: Region) -> None:
    public = Client()
    statuses = [public.get("/public/case/track/AAAAAAAAAA/").status_code for _ in range(31)]
    assert statuses[:30] == [404] * 30 and statuses[30] == 429


def test_the_township_sees_overdue_cases_in_its_scope(
    seeded: Region, cadre: User, jiulong: Region, persona: Callable[[str], User]
) -> None:
    item = _adopted(cadre, jiulong)
    case = lists.case_open(actor=cadre, item=item, applicant_name="甲",
                           today=timezone.localdate() - timedelta(days=30))  # fmt: skip
    lists.cases_escalate_due()
    township = _client(persona("开云镇干部"))
    page = township.get("/disclosure/cases/overdue/").content.decode()
    assert case.code in page
    assert case.code in township.get("/disclosure/cases/", {"overdue": "1"}).content.decode()
    assert "已报乡镇" in township.get("/disclosure/cases/").content.decode()
    assert _client(cadre).get("/disclosure/cases/overdue/").status_code == 403
    other = _client(persona("另一村的村干部"))
    assert case.code not in other.get("/disclosure/cases/").content.decode()


# ---------------------------------------------------------------- decisions


def test_a_meeting_without_quorum_is_shown_as_failed_and_the_stage_stays(
    jiulong: Region, cadre: User
) -> None:
    client = _client(cadre)
    today = timezone.localdate()
    response = client.post("/disclosure/decisions/new/", {
        "village": JIULONG, "title": "村部闲置厂房出租", "description": "出租给合作社",
        "proposed_on": today.isoformat(),
    })  # fmt: skip
    decision = Decision.objects.get()
    assert response["Location"] == f"/disclosure/decisions/{decision.pk}/"
    url = f"/disclosure/decisions/{decision.pk}/meeting/"
    base = {"held_on": today.isoformat(), "votes_against": "0", "votes_abstain": "0"}
    client.post(url, {**base, "body": "two_committees", "eligible": "9", "present": "8",
                      "votes_for": "7"})  # fmt: skip
    failed = client.post(url, {**base, "body": "party_members", "eligible": "30",
                               "present": "19", "votes_for": "19"}, follow=True)  # fmt: skip
    assert "到会党员19人，未达到应到30人的三分之二以上（至少20人）" in failed.content.decode()
    decision.refresh_from_db()
    assert decision.stage == DecisionStage.PARTY_REVIEW
    before = (DecisionRecord.objects.count(), business_events().count())
    wrong = client.post(url, {**base, "body": "party_members", "eligible": "30",
                              "present": "31", "votes_for": "19"})  # fmt: skip
    assert wrong.status_code == 400
    assert "实到人数不能多于应到人数" in wrong.content.decode()
    assert (DecisionRecord.objects.count(), business_events().count()) == before
    page = client.get(f"/disclosure/decisions/{decision.pk}/").content.decode()
    assert "未通过" in page
    _no_inline_code(page)


def test_publishing_the_resolution_from_the_page(jiulong: Region, cadre: User) -> None:
    decision = lists.decision_create(
        actor=cadre, village=jiulong, title="修建村道", description="硬化村道2公里",
        proposed_on=timezone.localdate(),
    )  # fmt: skip
    day = timezone.localdate()
    for body, numbers in ((MeetingBody.TWO_COMMITTEES, (9, 8, 7)),
                          (MeetingBody.PARTY_MEMBERS, (45, 31, 25)),
                          (MeetingBody.REPRESENTATIVES, (30, 21, 18))):  # fmt: skip
        lists.decision_record_meeting(actor=cadre, decision=decision, body=body,
                                      meeting=Meeting(day, *numbers))  # fmt: skip
    client = _client(cadre)
    assert "发布公示" in client.get(f"/disclosure/decisions/{decision.pk}/").content.decode()
    response = client.post(f"/disclosure/decisions/{decision.pk}/publish/", {"text": "同意修建"})
    assert response.status_code == 302
    page = client.get(f"/disclosure/decisions/{decision.pk}/").content.decode()
    assert "修建村道决议公开" in page and "公示中" in page
    assert "四议两公开" in client.get("/disclosure/decisions/", {"q": "村道"}).content.decode()


def test_nav_shows_the_new_pages_to_staff(seeded: Region, cadre: User) -> None:
    page = _client(cadre).get("/disclosure/lists/").content.decode()
    for label in ("四清单", "办件", "四议两公开"):
        assert f">{label}</a>" in page


def test_cadre_retires_an_adopted_item_from_its_page(
    seeded: Region, cadre: User, jiulong: Region, persona: Callable[[str], User]
) -> None:
    item = _adopted(cadre, jiulong)
    client = _client(cadre)
    page = client.get(f"/disclosure/lists/{item.pk}/").content.decode()
    assert "停用该事项" in page
    _no_inline_code(page)
    villager = _client(persona("九龙村村民"))
    assert villager.post(f"/disclosure/lists/{item.pk}/retire/", {"reason": "x"}).status_code == 403
    assert client.post(f"/disclosure/lists/{item.pk}/retire/", {"reason": ""}).status_code == 302
    item.refresh_from_db()
    assert item.active
    client.post(f"/disclosure/lists/{item.pk}/retire/", {"reason": "已并入其他事项"})
    item.refresh_from_db()
    assert not item.active
    assert "停用该事项" not in client.get(f"/disclosure/lists/{item.pk}/").content.decode()
