"""The points pages: each with a persona inside its scope and one outside (404, or 403 for a
role that has no use for the page); bad input shows the Chinese error and changes nothing;
list pages cost the same number of queries for 5 rows as for 40."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.points import services
from cunwu.points.models import (
    EventStatus,
    PointBatch,
    PointEvent,
    RulebookVersion,
    RuleItem,
    VersionStatus,
)
from cunwu.registry.models import Household
from cunwu.testing import JIULONG, KAIYUN

from .conftest import IN_FORCE_FROM, ON_THE_DAY
from .support import another_household, client_for, earn, photo, reviewer, villager

pytestmark = ON_THE_DAY

__all__ = ["reviewer", "villager"]

Items = Callable[[str], RuleItem]
ON = date(2026, 3, 10)


@pytest.fixture
def as_(persona: Callable[[str], User]) -> Callable[[str], Client]:
    return lambda name: client_for(persona(name))


# ---------------------------------------------------------------- scope


def test_nav_shows_points_to_staff_and_my_points_to_villagers(
    as_: Callable[[str], Client], villager: User
) -> None:
    page = as_("九龙村村干部").get(reverse("home")).content.decode()
    assert "积分制" in page and "我的积分" not in page
    page = client_for(villager).get(reverse("home")).content.decode()
    assert "我的积分" in page and reverse("points:mine") in page


def test_object_pages_are_404_to_another_villages_staff(
    as_: Callable[[str], Client],
    staff: User,
    reviewer: User,
    household: Household,
    effective_version: RulebookVersion,
    item: Items,
) -> None:
    event = earn(staff, reviewer, [(household, item("A01"), ON, 2)])[0]
    pages = [
        reverse("points:rulebook", args=[JIULONG]),
        reverse("points:version", args=[effective_version.pk]),
        reverse("points:item_edit", args=[item("A01").pk]),
        reverse("points:event", args=[event.pk]),
        reverse("points:household", args=[household.pk]),
        reverse("points:card", args=[household.pk]),
        reverse("points:batch_new", args=[JIULONG]),
        reverse("points:event_new") + f"?household={household.pk}",
        reverse("points:rankings") + f"?village={JIULONG}",
    ]
    inside, township, outside = as_("九龙村村干部"), as_("开云镇干部"), as_("另一村的村干部")
    for url in pages:
        assert outside.get(url).status_code == 404, url
    for url in pages[:7]:
        assert inside.get(url).status_code == 200, url
    for url in [pages[0], pages[1], pages[3], pages[4], pages[5], pages[8]]:
        assert township.get(url).status_code == 200, url
    posts = [
        reverse("points:event_review", args=[event.pk]),
        reverse("points:event_reverse", args=[event.pk]),
        reverse("points:item_delete", args=[item("A01").pk]),
        reverse("points:version_adopt", args=[effective_version.pk]),
    ]
    for url in posts:
        assert outside.post(url, {"reason": "x", "decision": "approve"}).status_code == 404, url
    assert PointEvent.objects.count() == 1


def test_staff_pages_are_403_to_a_villager(
    villager: User, household: Household, effective_version: RulebookVersion
) -> None:
    client = client_for(villager)
    for name in ["events", "review", "batches", "balances", "rankings", "templates", "event_new"]:
        assert client.get(reverse(f"points:{name}")).status_code == 403, name
    assert client.get(reverse("points:rulebook", args=[JIULONG])).status_code == 403
    # another household of the village, and the staff statement of the own one, are hidden
    assert client.get(reverse("points:household", args=[household.pk])).status_code == 403
    assert client.get(reverse("points:index")).status_code == 302


def test_a_villager_sees_the_own_household_and_card_only(
    staff: User, villager: User, household: Household, jiulong: Region
) -> None:
    other = another_household(staff, jiulong, "0002", "王五")
    client = client_for(villager)
    page = client.get(reverse("points:mine"))
    assert page.status_code == 200
    assert "户编号 0001" in page.content.decode()
    assert client.get(reverse("points:card", args=[household.pk])).status_code == 200
    assert client.get(reverse("points:card", args=[other.pk])).status_code == 404


# ---------------------------------------------------------------- rulebooks


def test_the_rulebook_page_groups_items_by_category_and_shows_dates(
    as_: Callable[[str], Client], effective_version: RulebookVersion
) -> None:
    page = as_("九龙村村干部").get(reverse("points:rulebook", args=[JIULONG])).content.decode()
    assert "第1版" in page and "已生效" in page
    assert "2026年1月1日" in page
    for text in ["村民自治", "美丽家园", "乡风文明", "A01", "参加村民会议", "+2", "需照片"]:
        assert text in page


def test_drafting_a_new_version_and_editing_its_items(
    as_: Callable[[str], Client], effective_version: RulebookVersion
) -> None:
    client = as_("九龙村村干部")
    response = client.post(
        reverse("points:version_new", args=[JIULONG]), {"copy_from": "previous", "note": "修订"}
    )
    draft = RulebookVersion.objects.get(status=VersionStatus.DRAFT)
    assert response.status_code == 302 and draft.number == 2
    assert draft.items.count() == effective_version.items.count()
    form = {
        "category": "平安建设", "code": "C01", "name": "参与巡逻", "points": "3",
        "unit": "event", "cap_period": "year", "evidence": "none",
        "proposers": ["villager", "cadre"],
    }  # fmt: skip
    response = client.post(reverse("points:item_new", args=[draft.pk]), form)
    assert response.status_code == 302
    added = draft.items.get(code="C01")
    assert (added.category.name, added.points, added.proposers) == ("平安建设", 3, "villager,cadre")
    response = client.post(reverse("points:item_edit", args=[added.pk]), {**form, "points": "4"})
    added.refresh_from_db()
    assert added.points == 4
    response = client.post(
        reverse("points:version_settings", args=[draft.pk]), {"star_thresholds": "30，60、90"}
    )
    draft.refresh_from_db()
    assert draft.star_thresholds == [30, 60, 90]
    client.post(reverse("points:item_delete", args=[added.pk]))
    assert not draft.items.filter(code="C01").exists()
    # the effective version cannot be edited
    response = client.post(reverse("points:item_delete", args=[item_of(effective_version)]))
    assert response.status_code == 302
    assert effective_version.items.count() == 4


def item_of(version: RulebookVersion) -> int:
    return version.items.values_list("pk", flat=True).first() or 0


def test_a_bad_item_shows_the_error_beside_its_field_and_saves_nothing(
    as_: Callable[[str], Client], draft_version: RulebookVersion
) -> None:
    form = {
        "category": "村民自治", "code": "A01", "name": "重复编号", "points": "2",
        "unit": "event", "cap_period": "year", "evidence": "none", "proposers": ["cadre"],
    }  # fmt: skip
    page = as_("九龙村村干部").post(reverse("points:item_new", args=[draft_version.pk]), form)
    assert page.status_code == 200
    assert "编号A01已被使用" in page.content.decode()
    form.update(code="Z9", points="5", points_min="-1")
    page = as_("九龙村村干部").post(reverse("points:item_new", args=[draft_version.pk]), form)
    assert "加分事项的分值范围不能含零或负数" in page.content.decode()
    assert draft_version.items.count() == 4


def test_adoption_form_refuses_a_failed_quorum_and_records_a_valid_vote(
    as_: Callable[[str], Client], draft_version: RulebookVersion
) -> None:
    client = as_("九龙村村干部")
    url = reverse("points:version_adopt", args=[draft_version.pk])
    form = {"resolution_date": "2026-03-01", "members_total": "18", "members_present": "10",
            "votes_for": "10", "period_days": "5"}  # fmt: skip
    page = client.post(url, form)
    assert "三分之二以上组成人员参加" in page.content.decode()
    draft_version.refresh_from_db()
    assert draft_version.status == VersionStatus.DRAFT
    response = client.post(url, {**form, "members_present": "15", "votes_for": "14"})
    assert response.status_code == 302
    draft_version.refresh_from_db()
    assert draft_version.status == VersionStatus.DISCLOSING
    assert draft_version.notice is not None


def test_a_township_publishes_a_template_and_a_village_copies_it(
    as_: Callable[[str], Client], persona: Callable[[str], User], regions: dict[str, Region]
) -> None:
    township = as_("开云镇干部")
    assert township.get(reverse("points:templates")).status_code == 200
    township.post(reverse("points:version_new", args=[KAIYUN]), {"copy_from": "empty"})
    template = RulebookVersion.objects.get(rulebook__region_id=KAIYUN)
    township.post(
        reverse("points:item_new", args=[template.pk]),
        {"category": "乡风文明", "code": "T1", "name": "孝老爱亲", "points": "5", "unit": "year",
         "cap_period": "year", "evidence": "none", "proposers": ["cadre"]},
    )  # fmt: skip
    township.post(reverse("points:version_adopt", args=[template.pk]), {"confirm": "on"})
    template.refresh_from_db()
    assert template.status == VersionStatus.EFFECTIVE
    cadre = as_("九龙村村干部")
    page = cadre.get(reverse("points:version_new", args=[JIULONG])).content.decode()
    assert "复制开云镇模板" in page
    cadre.post(reverse("points:version_new", args=[JIULONG]), {"copy_from": str(template.pk)})
    copy = RulebookVersion.objects.get(rulebook__region_id=JIULONG)
    assert copy.copied_from == template
    assert list(copy.items.values_list("code", flat=True)) == ["T1"]
    # the village sees the template but may not change it
    assert cadre.get(reverse("points:version", args=[template.pk])).status_code == 200
    url = reverse("points:version_settings", args=[template.pk])
    assert cadre.post(url, {"star_thresholds": "1"}).status_code == 403


# ---------------------------------------------------------------- events


def test_a_cadre_finds_the_household_and_proposes(
    as_: Callable[[str], Client], household: Household, item: Items
) -> None:
    client = as_("九龙村村干部")
    page = client.get(reverse("points:event_new"), {"q": "张三"}).content.decode()
    assert f"?household={household.pk}" in page
    url = reverse("points:event_new") + f"?household={household.pk}"
    page = client.get(url).content.decode()
    assert "A01 参加村民会议（+2分，每次）" in page
    assert "E02 乱堆乱放（-5分，可在-10至-2间，每次）" in page
    response = client.post(
        url, {"item": item("B01").pk, "date": "2026-03-10", "points": "4", "description": "清扫"}
    )
    event = PointEvent.objects.get()
    assert response.status_code == 302
    assert (event.points, event.source, event.status) == (4, "cadre", EventStatus.PROPOSED)


def test_a_bad_proposal_shows_the_chinese_error_and_changes_nothing(
    as_: Callable[[str], Client], household: Household, item: Items
) -> None:
    url = reverse("points:event_new") + f"?household={household.pk}"
    client = as_("九龙村村干部")
    page = client.post(url, {"item": item("B01").pk, "date": "2026-03-10", "points": "9"})
    assert "分值应在1到5之间" in page.content.decode()
    page = client.post(url, {"item": item("E01").pk, "date": "2026-03-10"})
    assert "该事项须上传照片作为佐证" in page.content.decode()
    page = client.post(url, {"item": item("A01").pk, "date": "2099-01-01"})
    assert "发生日期不能晚于今天" in page.content.decode()
    assert not PointEvent.objects.exists()


def test_a_villager_declares_for_the_own_household_from_a_phone(
    villager: User, household: Household, item: Items
) -> None:
    client = client_for(villager)
    page = client.get(reverse("points:declare")).content.decode()
    assert 'accept="image/*"' in page and "capture" in page
    assert "E02" not in page  # a deduction a villager cannot declare
    response = client.post(
        reverse("points:declare"),
        {"item": item("E01").pk, "date": "2026-03-10", "photo": photo()},
    )
    assert response.status_code == 302
    event = PointEvent.objects.get()
    assert (event.household, event.source, event.points) == (household, "villager", 5)
    assert event.photo.name
    # the photo shows to the own household and the village staff only
    assert client.get(reverse("points:event_photo", args=[event.pk])).status_code == 200


def test_declaring_without_the_required_photo_changes_nothing(
    villager: User, household: Household, item: Items
) -> None:
    page = client_for(villager).post(
        reverse("points:declare"), {"item": item("E01").pk, "date": "2026-03-10"}
    )
    assert page.status_code == 200
    assert "该事项须上传照片作为佐证" in page.content.decode()
    assert not PointEvent.objects.exists()


def test_only_a_villager_with_a_household_declares(
    as_: Callable[[str], Client], persona: Callable[[str], User], effective_version: Any
) -> None:
    assert as_("九龙村村民").get(reverse("points:declare")).status_code == 403  # no household
    assert as_("九龙村村干部").get(reverse("points:declare")).status_code == 403


def test_review_queue_approves_adjusts_and_rejects_without_javascript(
    staff: User, reviewer: User, household: Household, item: Items
) -> None:
    events = [
        services.event_propose(actor=staff, household=household, item=item("B01"), on=ON),
        services.event_propose(actor=staff, household=household, item=item("A01"), on=ON),
        services.event_propose(actor=staff, household=household, item=item("E02"), on=ON),
    ]
    own = client_for(staff).get(reverse("points:review")).content.decode()
    assert "须由他人审核" in own
    client = client_for(reviewer)
    page = client.get(reverse("points:review")).content.decode()
    assert "待审核 3 条" in page
    review = [reverse("points:event_review", args=[e.pk]) for e in events]
    client.post(
        review[0], {"decision": "adjust", "points": "5", "note": "表现突出", "next": "queue"}
    )
    client.post(review[1], {"decision": "reject", "note": "", "next": "queue"})  # no reason
    client.post(review[2], {"decision": "approve", "next": "queue"})
    statuses = {e.pk: (e.status, e.points) for e in PointEvent.objects.all()}
    assert statuses == {
        events[0].pk: (EventStatus.APPROVED, 5),
        events[1].pk: (EventStatus.PROPOSED, 2),
        events[2].pk: (EventStatus.APPROVED, -5),
    }
    page = client.post(review[1], {"decision": "reject", "note": ""})
    assert "不予通过请写明理由" in page.content.decode()
    client.post(review[1], {"decision": "reject", "note": "当天未召开会议"})
    assert PointEvent.objects.get(pk=events[1].pk).status == EventStatus.REJECTED


def test_publishing_a_batch_links_its_notice_and_posts_when_it_closes(
    staff: User, reviewer: User, household: Household, item: Items
) -> None:
    a = services.event_propose(actor=staff, household=household, item=item("B01"), on=ON)
    b = services.event_propose(actor=staff, household=household, item=item("A01"), on=ON)
    for event in (a, b):
        services.event_review(actor=reviewer, event=event, approve=True)
    client = client_for(reviewer)
    page = client.get(reverse("points:batch_new", args=[JIULONG])).content.decode()
    assert "共 2 条，合计 +5 分" in page
    response = client.post(
        reverse("points:batch_new", args=[JIULONG]),
        {"events": [a.pk, "²"], "title": "九龙村3月积分公示", "period_days": "7",
         "period_unit": "natural"},
    )  # fmt: skip
    assert response.status_code == 302
    batch = PointBatch.objects.get()
    assert batch.notice is not None
    assert list(batch.events.values_list("pk", flat=True)) == [a.pk]
    page = client.get(reverse("points:batches")).content.decode()
    assert reverse("disclosure:notice_detail", args=[batch.notice.pk]) in page
    assert "九龙村3月积分公示" in page


def test_publishing_nothing_shows_an_error(
    reviewer: User, household: Household, effective_version: Any
) -> None:
    page = client_for(reviewer).post(
        reverse("points:batch_new", args=[JIULONG]), {"period_days": "7", "period_unit": "natural"}
    )
    assert "请至少选择一条积分申报" in page.content.decode()
    assert not PointBatch.objects.exists()


def test_an_effective_event_is_reversed_with_a_reason(
    staff: User, reviewer: User, household: Household, item: Items
) -> None:
    event = earn(staff, reviewer, [(household, item("B01"), ON, 3)])[0]
    client = client_for(reviewer)
    url = reverse("points:event_reverse", args=[event.pk])
    page = client.post(url, {"reason": ""})
    assert "请填写" in page.content.decode() or "这个字段是必填项" in page.content.decode()
    assert not PointEvent.objects.filter(reverses=event).exists()
    response = client.post(url, {"reason": "重复登记"})
    reversal = PointEvent.objects.get(reverses=event)
    assert response.status_code == 302 and reversal.points == -3


# ---------------------------------------------------------------- balances, rankings, statement


def test_balances_rankings_statement_and_card(
    staff: User, reviewer: User, household: Household, jiulong: Region, item: Items,
    settings: Any,
) -> None:  # fmt: skip
    settings.CUNWU_PUBLIC_URL = "https://cunwu.example.cn/"
    other = another_household(staff, jiulong, "0002", "王五")
    earn(
        staff, reviewer,
        [(household, item("B01"), ON, 5), (household, item("A01"), ON, 2),
         (other, item("B01"), date(2026, 4, 2), 4)],
    )  # fmt: skip
    client = client_for(staff)
    page = client.get(reverse("points:balances"), {"q": "王五"}).content.decode()
    assert "0002" in page and "0001" not in page
    export = client.get(reverse("points:balances"), {"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert [r[1:] for r in rows[1:]] == [("0001", "张三", None, 7, 7), ("0002", "王五", None, 4, 4)]
    page = client.get(
        reverse("points:rankings"), {"period": "month", "year": "2026", "month": "4"}
    ).content.decode()
    assert "2026年4月" in page
    statement = client.get(reverse("points:household", args=[household.pk])).content.decode()
    assert "第1名" in statement and "全村2户" in statement
    export = client.get(reverse("points:household", args=[household.pk]), {"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert [r[6:8] for r in rows[1:]] == [(5, 5), (7, 7)]
    card = client.get(reverse("points:card", args=[household.pk])).content.decode()
    assert f"https://cunwu.example.cn/store/counter/?household={household.pk}" in card
    assert "data:image/png;base64," in card


# ---------------------------------------------------------------- query counts


def _grow(staff: User, village: Region, start: int, stop: int) -> None:
    for n in range(start, stop):
        another_household(staff, village, f"{n:04d}", f"户主{n}")


@pytest.mark.parametrize("name", ["balances", "rankings", "index", "events", "review", "batches"])
def test_list_pages_cost_the_same_for_5_and_40_rows(
    name: str,
    staff: User,
    reviewer: User,
    jiulong: Region,
    item: Items,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(reviewer)
    url = reverse(f"points:{name}")

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    def add(start: int, stop: int) -> None:
        _grow(staff, jiulong, start, stop)
        for h in Household.objects.filter(number__gte=f"{start:04d}", number__lt=f"{stop:04d}"):
            event = services.event_propose(actor=staff, household=h, item=item("B01"), on=ON)
            if name == "batches":
                services.event_review(actor=reviewer, event=event, approve=True)
                services.batch_publish(actor=reviewer, village=jiulong)

    add(100, 105)
    few = count()
    add(105, 140)
    with django_assert_max_num_queries(few):
        assert client.get(url).status_code == 200


def test_the_fixture_version_is_in_force_from_new_year(effective_version: RulebookVersion) -> None:
    assert effective_version.effective_from == IN_FORCE_FROM


def test_item_validity_dates_show_in_chinese(
    as_: Callable[[str], Client], staff: User, draft_version: RulebookVersion
) -> None:
    services.item_save(
        actor=staff, version=draft_version,
        data=services.ItemData(category="产业发展", code="F01", name="发展庭院经济", points=5,
                               valid_from=date(2026, 11, 25), valid_until=date(2026, 12, 31)),
    )  # fmt: skip
    page = as_("九龙村村干部").get(reverse("points:version", args=[draft_version.pk]))
    assert "2026年11月25日至2026年12月31日" in page.content.decode()
