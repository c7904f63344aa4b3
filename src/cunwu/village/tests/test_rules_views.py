# ruff: noqa: F811
"""村规民约与公约 pages: the cadre's flow from a new rule to the poster, scope (another
village: 404), the villager's own confirmation, bad input that saves nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.registry.models import Household
from cunwu.village.models import (
    Acknowledgement,
    AckWay,
    Rule,
    RuleClause,
    RuleVersion,
    RuleVersionStatus,
)

from .fixtures_rules import (  # noqa: F401
    adopted,
    cadre,
    draft,
    homes,
    points_item,
    village_rule,
    villager,
)

pytestmark = pytest.mark.django_db
JIULONG = "430423100224"


def _client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_cadre_drafts_adopts_ticks_and_prints(
    cadre: User, jiulong: Region, homes: dict[str, Household]
) -> None:
    c = _client(cadre)
    assert c.get("/village/rules/").status_code == 200
    r = c.post(f"/village/rules/new/?village={JIULONG}", {"kind": "village"})
    assert r.status_code == 302
    rule = Rule.objects.get()
    r = c.post(f"/village/rules/{rule.pk}/versions/new/")
    assert r.status_code == 302
    version = RuleVersion.objects.get()
    assert version.title == "九龙村委会村规民约"
    r = c.post(f"/village/rules/versions/{version.pk}/edit/", {
        "action": "text", "title": "九龙村村规民约", "preamble": "为推进村民自治，特制定本约。",
        "clauses": "第一条 爱护公共设施\n\n2. 厚养薄葬，丧事简办\n邻里和睦",
    })  # fmt: skip
    assert r.status_code == 302
    assert list(version.clauses.values_list("text", flat=True)) == [
        "爱护公共设施", "厚养薄葬，丧事简办", "邻里和睦"
    ]  # fmt: skip
    item = points_item(cadre, jiulong, "B01", "丧事简办", 5)
    item.version.status = "effective"
    item.version.effective_from = item.version.created_at.date()
    item.version.save()
    clause = version.clauses.get(order=2)
    page = c.get(f"/village/rules/versions/{version.pk}/edit/").content.decode()
    assert "B01 丧事简办（+5分）" in page
    r = c.post(f"/village/rules/versions/{version.pk}/edit/",
               {"action": "link", "link-clause": clause.pk, "link-item": item.pk})  # fmt: skip
    assert r.status_code == 302
    assert RuleClause.objects.get(pk=clause.pk).points_item == item
    r = c.post(f"/village/rules/versions/{version.pk}/adopt/", {
        "meeting_kind": "assembly", "meeting_on": "2026-11-20", "members": "100",
        "present": "60", "votes_for": "50", "votes_against": "5", "filed_with": "开云镇人民政府",
    })  # fmt: skip
    assert r.status_code == 302, r.content.decode()
    version.refresh_from_db()
    assert version.status == RuleVersionStatus.ADOPTED and version.notice_id
    r = c.post(f"/village/rules/versions/{version.pk}/paper/?group=一组",
               {"households": [homes["0101"].pk, homes["0102"].pk]})  # fmt: skip
    assert r.status_code == 302
    assert Acknowledgement.objects.filter(way=AckWay.PAPER).count() == 2
    page = c.get(f"/village/rules/versions/{version.pk}/coverage/").content.decode()
    assert "已签订 2/5 户（40.0%）" in page
    assert "0103" in page and "0201、0202" in page
    r = c.get(f"/village/rules/versions/{version.pk}/coverage/?format=xlsx")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    page = c.get(f"/village/rules/{rule.pk}/poster/").content.decode()
    assert "九龙村村规民约" in page and "2026年11月20日村民会议讨论通过" in page
    assert "<li>厚养薄葬，丧事简办</li>" in page
    page = c.get(f"/village/rules/versions/{version.pk}/").content.decode()
    assert "已签订 2/5 户（40.0%）" in page
    assert c.get(f"/village/rules/{rule.pk}/").status_code == 200
    assert "九龙村村规民约（第1版）" in c.get("/village/rules/?q=丧事").content.decode()


def test_bad_adoption_form_shows_the_error_and_saves_nothing(
    cadre: User, draft: RuleVersion
) -> None:
    c = _client(cadre)
    r = c.post(f"/village/rules/versions/{draft.pk}/adopt/", {
        "meeting_kind": "representatives", "meeting_on": "2026-11-20", "members": "30",
        "present": "30", "votes_for": "30", "filed_with": "开云镇人民政府",
    })  # fmt: skip
    assert r.status_code == 200
    assert "村规民约须由村民会议讨论通过，不能由村民代表会议决定" in r.content.decode()
    r = c.post(f"/village/rules/versions/{draft.pk}/adopt/", {
        "meeting_kind": "assembly", "meeting_on": "不是日期", "members": "abc",
    })  # fmt: skip
    assert r.status_code == 200
    draft.refresh_from_db()
    assert draft.status == RuleVersionStatus.DRAFT and draft.meeting_on is None


def test_bad_draft_text_shows_the_error_and_saves_nothing(cadre: User, draft: RuleVersion) -> None:
    c = _client(cadre)
    r = c.post(f"/village/rules/versions/{draft.pk}/edit/",
               {"action": "text", "title": "新标题", "clauses": "好\n" + "长" * 501})  # fmt: skip
    assert r.status_code == 200
    assert "第2条至多500字" in r.content.decode()
    draft.refresh_from_db()
    assert draft.title == "九龙村村规民约" and draft.clauses.count() == 3


def test_paper_tick_of_nothing_shows_error(cadre: User, adopted: RuleVersion,
                                          homes: dict[str, Household]) -> None:  # fmt: skip
    c = _client(cadre)
    r = c.post(f"/village/rules/versions/{adopted.pk}/paper/", {})
    assert r.status_code == 200
    assert "请勾选已签字的户" in r.content.decode()
    r = c.post(f"/village/rules/versions/{adopted.pk}/paper/", {"households": ["x"]})
    assert r.status_code == 200
    assert not Acknowledgement.objects.exists()


def test_adopted_version_edit_redirects_without_change(cadre: User, adopted: RuleVersion) -> None:
    c = _client(cadre)
    r = c.post(f"/village/rules/versions/{adopted.pk}/edit/",
               {"action": "text", "title": "改", "clauses": "改"})  # fmt: skip
    assert r.status_code == 302
    assert adopted.clauses.count() == 3
    assert c.get(f"/village/rules/versions/{adopted.pk}/adopt/").status_code == 404


def test_other_village_gets_404(
    persona: Callable[[str], User], adopted: RuleVersion, homes: dict[str, Household]
) -> None:
    other = _client(persona("另一村的村干部"))
    rule = adopted.rule
    for url in (f"/village/rules/{rule.pk}/", f"/village/rules/{rule.pk}/poster/",
                f"/village/rules/{rule.pk}/versions/new/",
                f"/village/rules/versions/{adopted.pk}/",
                f"/village/rules/versions/{adopted.pk}/edit/",
                f"/village/rules/versions/{adopted.pk}/adopt/",
                f"/village/rules/versions/{adopted.pk}/paper/",
                f"/village/rules/versions/{adopted.pk}/coverage/"):  # fmt: skip
        assert other.get(url).status_code == 404, url
    r = other.post(f"/village/rules/versions/{adopted.pk}/paper/",
                   {"households": [homes["0101"].pk]})  # fmt: skip
    assert r.status_code == 404
    assert "共 0 项" in other.get("/village/rules/").content.decode()
    assert not Acknowledgement.objects.exists()


def test_supervisor_sees_but_cannot_manage(
    persona: Callable[[str], User], adopted: RuleVersion
) -> None:
    c = _client(persona("九龙村监委会委员"))
    assert c.get(f"/village/rules/versions/{adopted.pk}/").status_code == 200
    assert c.get(f"/village/rules/versions/{adopted.pk}/paper/").status_code == 403


def test_villager_confirms_only_the_own_household(
    villager: User, adopted: RuleVersion, homes: dict[str, Household]
) -> None:
    c = _client(villager)
    assert c.get("/village/rules/").status_code == 403
    assert c.get(f"/village/rules/versions/{adopted.pk}/paper/").status_code == 403
    page = c.get("/village/rules/mine/").content.decode()
    assert "九龙村村规民约" in page and "待确认" in page
    page = c.get(f"/village/rules/versions/{adopted.pk}/confirm/").content.decode()
    assert "厚养薄葬，丧事简办" in page and "确认遵守" in page
    r = c.post(f"/village/rules/versions/{adopted.pk}/confirm/", {"household": homes["0101"].pk})
    assert r.status_code == 302
    ack = Acknowledgement.objects.get()
    assert (ack.household, ack.way) == (homes["0201"], AckWay.PHONE)  # never 0101
    r = c.post(f"/village/rules/versions/{adopted.pk}/confirm/")
    assert "您家已签订，不能重复确认" in r.content.decode()
    assert Acknowledgement.objects.count() == 1
    assert "已确认" in c.get("/village/rules/mine/").content.decode()


def test_villager_of_another_village_and_cadre_cannot_confirm(
    persona: Callable[[str], User], cadre: User, adopted: RuleVersion
) -> None:
    assert _client(cadre).get(f"/village/rules/versions/{adopted.pk}/confirm/").status_code == 403
    from cunwu.testing import make_user

    stranger = make_user("沿江村村民", "villager", "430422200215")
    assert (
        _client(stranger).post(f"/village/rules/versions/{adopted.pk}/confirm/").status_code == 403
    )  # not linked to a household
    assert not Acknowledgement.objects.exists()


def test_list_page_query_count_is_bounded(
    cadre: User, adopted: RuleVersion, django_assert_max_num_queries: Any
) -> None:
    c = _client(cadre)
    c.get("/village/rules/")
    with django_assert_max_num_queries(12):
        assert c.get("/village/rules/").status_code == 200
    with django_assert_max_num_queries(12):
        assert c.get("/api/v1/village/rules").status_code == 200


def test_villager_of_another_village_gets_404_on_confirm(
    persona: Callable[[str], User], adopted: RuleVersion
) -> None:
    from cunwu.testing import make_household, make_id_number, make_user

    bali = Region.objects.get(code="430423100227")
    home = make_household(persona("八里村村干部"), bali, "0901", "吴九",
                          head_id=make_id_number(901, birth="19600101"))  # fmt: skip
    user = make_user("八里村村民", "villager", bali.code)
    home.members.filter(name="吴九").update(user=user)
    c = _client(user)
    assert c.get(f"/village/rules/versions/{adopted.pk}/confirm/").status_code == 404
    assert c.post(f"/village/rules/versions/{adopted.pk}/confirm/").status_code == 404
    assert "本村暂无已通过的村规民约或公约" in c.get("/village/rules/mine/").content.decode()
    assert not Acknowledgement.objects.exists()


def test_filing_page_records_the_filing_and_rejects_a_bad_date(
    cadre: User, adopted: RuleVersion
) -> None:
    c = _client(cadre)
    url = f"/village/rules/versions/{adopted.pk}/file/"
    assert c.get(url).status_code == 200
    r = c.post(url, {"filed_with": "开云镇人民政府", "filed_on": "2026-11-01"})
    assert "备案日期应在会议日期至今天之间" in r.content.decode()
    r = c.post(url, {"filed_with": "开云镇人民政府", "filed_on": "2026-11-25"})
    assert r.status_code == 302
    adopted.refresh_from_db()
    assert str(adopted.filed_on) == "2026-11-25"
