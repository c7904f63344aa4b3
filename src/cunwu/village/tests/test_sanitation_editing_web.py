"""The pages and API of editing the sanitation checklist, sections and posts: exact saved
values, the Chinese error on bad input with nothing changed, 404 for another village, 403 for a
villager; the API answers 4xx, never 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.registry.models import Household
from cunwu.village.models_sanitation import (
    ChecklistItem,
    Duty,
    DutyPost,
    InspectionScore,
    RoadSection,
)
from cunwu.village.services import sanitation as services
from cunwu.village.tests.fixtures_sanitation import START, roster

BASE = "/village/sanitation"


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _items(village: Region) -> list[tuple[str, int, bool]]:
    return list(
        ChecklistItem.objects.filter(village=village)
        .order_by("pk")
        .values_list("name", "max_score", "active")
    )


def test_checklist_page_and_its_actions(
    staff: User, jiulong: Region, django_assert_max_num_queries: Any
) -> None:
    c = client_for(staff)
    page = reverse("village:sanitation_checklist", args=[jiulong.code])
    r = c.get(page)
    assert r.status_code == 200 and "本村还没有督查项目" in r.content.decode()
    r = c.post(reverse("village:sanitation_checklist_default", args=[jiulong.code]))
    assert r.status_code == 302 and r["Location"] == page
    with django_assert_max_num_queries(12):
        r = c.get(page)
    body = r.content.decode()
    assert "启用项目满分合计 100 分" in body and "沟渠通畅" in body and "停用" in body
    new = reverse("village:sanitation_checklist_item_create", args=[jiulong.code])
    assert c.get(new).status_code == 200
    r = c.post(new, {"name": "路面干净", "max_score": "10"})
    assert r.status_code == 200 and "本村已有督查项目“路面干净”" in r.content.decode()
    r = c.post(new, {"name": "厕所卫生", "max_score": "abc"})
    assert r.status_code == 200 and len(_items(jiulong)) == 4
    r = c.post(new, {"name": "厕所卫生", "max_score": "10"})
    assert r.status_code == 302
    item = ChecklistItem.objects.get(village=jiulong, name="厕所卫生")
    assert (item.max_score, item.position, item.active) == (10, 4, True)
    edit = reverse("village:sanitation_checklist_item_edit", args=[item.pk])
    r = c.get(edit)
    assert r.status_code == 200 and 'value="厕所卫生"' in r.content.decode()
    r = c.post(edit, {"name": "垃圾分类", "max_score": "15"})
    assert r.status_code == 200 and "本村已有督查项目“垃圾分类”" in r.content.decode()
    r = c.post(edit, {"name": "厕所整洁", "max_score": "15"})
    assert r.status_code == 302
    item.refresh_from_db()
    assert (item.name, item.max_score) == ("厕所整洁", 15)
    retire = reverse("village:sanitation_checklist_item_retire", args=[item.pk])
    assert c.get(retire).status_code == 405
    r = c.post(retire, follow=True)
    assert "已停用“厕所整洁”" in r.content.decode()
    r = c.post(retire, follow=True)
    assert "该督查项目已停用" in r.content.decode()
    r = c.post(edit, {"name": "厕所", "max_score": "5"})
    assert r.status_code == 200 and "该督查项目已停用，不能修改" in r.content.decode()
    r = c.post(reverse("village:sanitation_checklist_item_restore", args=[item.pk]), follow=True)
    assert "已重新启用“厕所整洁”" in r.content.decode()
    assert _items(jiulong)[-1] == ("厕所整洁", 15, True)


def test_checklist_pages_scope(
    persona: Callable[[str], User], staff: User, jiulong: Region
) -> None:
    items = services.checklist_default(actor=staff, village=jiulong)
    before = _items(jiulong)
    code = jiulong.code
    pk = items[0].pk
    gets = [
        reverse("village:sanitation_checklist", args=[code]),
        reverse("village:sanitation_checklist_item_create", args=[code]),
        reverse("village:sanitation_checklist_item_edit", args=[pk]),
    ]
    posts = [
        reverse("village:sanitation_checklist_item_retire", args=[pk]),
        reverse("village:sanitation_checklist_item_restore", args=[pk]),
        reverse("village:sanitation_checklist_default", args=[code]),
        reverse("village:sanitation_checklist_item_edit", args=[pk]),
    ]
    outsider, villager = client_for(persona("另一村的村干部")), client_for(persona("九龙村村民"))
    for url in gets:
        assert outsider.get(url).status_code == 404, url
        assert villager.get(url).status_code == 403, url
    for url in posts:
        assert outsider.post(url, {"name": "x", "max_score": "5"}).status_code == 404, url
        assert villager.post(url, {"name": "x", "max_score": "5"}).status_code == 403, url
    township = client_for(persona("开云镇干部"))
    r = township.get(gets[0])
    assert r.status_code == 200 and "停用</button>" not in r.content.decode()
    assert township.post(posts[0]).status_code == 403
    missing = reverse("village:sanitation_checklist_item_edit", args=[2**40])
    assert client_for(staff).get(missing).status_code == 404
    assert _items(jiulong) == before


def test_sections_page_edit_and_retire(
    staff: User, jiulong: Region, household: Household, django_assert_max_num_queries: Any
) -> None:
    section, post, _duty = roster(staff, jiulong, household)
    c = client_for(staff)
    page = reverse("village:sanitation_sections", args=[jiulong.code])
    with django_assert_max_num_queries(12):
        r = c.get(page)
    body = r.content.decode()
    assert r.status_code == 200 and "村部至学校" in body and "保洁员" in body
    edit = reverse("village:sanitation_section_edit", args=[section.pk])
    r = c.get(edit)
    assert r.status_code == 200 and 'value="800"' in r.content.decode()
    r = c.post(edit, {"name": "村部至小学", "length_m": "-1", "description": ""})
    assert r.status_code == 200
    r = c.post(edit, {"name": "村部至小学", "length_m": "900", "description": "水泥路"})
    assert r.status_code == 302 and r["Location"] == page
    section.refresh_from_db()
    assert (section.name, section.length_m, section.description, section.group_id) == (
        "村部至小学", 900, "水泥路", None,
    )  # fmt: skip
    services.section_add(actor=staff, village=jiulong, name="河堤")
    r = c.post(edit, {"name": "河堤", "length_m": "900"})
    assert r.status_code == 200 and "本村已有路段“河堤”" in r.content.decode()
    r = c.post(reverse("village:sanitation_section_retire", args=[section.pk]), follow=True)
    assert "该路段有1项在岗值守，不能撤销" in r.content.decode()
    river = RoadSection.objects.get(name="河堤")
    retire = reverse("village:sanitation_section_retire", args=[river.pk])
    restore = reverse("village:sanitation_section_restore", args=[river.pk])
    assert c.get(retire).status_code == 405 and c.get(restore).status_code == 405
    r = c.post(retire, follow=True)
    body = r.content.decode()
    assert "已撤销路段“河堤”" in body and '<span class="tag">已撤销</span>' in body
    assert restore in body and "重新启用</button>" in body
    today = timezone.localdate()
    assert list(RoadSection.objects.order_by("name").values_list("name", "retired_on")) == [
        ("村部至小学", None), ("河堤", today),
    ]  # fmt: skip
    assert "该路段已撤销" in c.post(retire, follow=True).content.decode()
    r = c.post(reverse("village:sanitation_section_edit", args=[river.pk]),
               {"name": "河堤路", "length_m": "10"})  # fmt: skip
    assert r.status_code == 200 and "该路段已撤销，不能修改" in r.content.decode()
    r = c.post(restore, follow=True)
    assert "已重新启用路段“河堤”" in r.content.decode()
    assert "该路段未撤销" in c.post(restore, follow=True).content.decode()
    assert RoadSection.objects.get(pk=river.pk).retired_on is None
    post_edit = reverse("village:sanitation_post_edit", args=[post.pk])
    r = c.post(post_edit, {"name": ""})
    assert r.status_code == 200
    r = c.post(post_edit, {"name": "保洁员（主干道）"})
    assert r.status_code == 302
    post.refresh_from_db()
    assert post.name == "保洁员（主干道）"
    r = c.post(reverse("village:sanitation_post_retire", args=[post.pk]), follow=True)
    assert "该岗位有1项在岗值守，不能撤销" in r.content.decode()
    spare = services.post_add(actor=staff, village=jiulong, name="监督员")
    r = c.post(reverse("village:sanitation_post_retire", args=[spare.pk]), follow=True)
    body = r.content.decode()
    assert "已撤销岗位“监督员”" in body and f"sanitation/posts/{spare.pk}/restore/" in body
    assert list(DutyPost.objects.order_by("pk").values_list("name", "retired_on")) == [
        ("保洁员（主干道）", None), ("监督员", today),
    ]  # fmt: skip
    r = c.post(reverse("village:sanitation_post_restore", args=[spare.pk]), follow=True)
    assert "已重新启用岗位“监督员”" in r.content.decode()
    assert DutyPost.objects.get(pk=spare.pk).retired_on is None


def test_retired_places_are_left_out_of_the_forms_and_the_roster(
    staff: User, jiulong: Region, household: Household
) -> None:
    section, _post, duty = roster(staff, jiulong, household)
    river = services.section_add(actor=staff, village=jiulong, name="河堤")
    keeper = services.post_add(actor=staff, village=jiulong, name="监督员")
    services.section_retire(actor=staff, section=river)
    services.post_retire(actor=staff, post=keeper)
    c = client_for(staff)
    duty_page = reverse("village:sanitation_duty_create", args=[jiulong.code])
    body = c.get(duty_page).content.decode()
    assert "村部至学校</option>" in body and "保洁员</option>" in body
    assert ">河堤</option>" not in body and ">监督员</option>" not in body
    form = {"person": duty.person_id, "post": keeper.pk, "section": river.pk, "weekdays": "246",
            "start_time": "16:00", "end_time": "17:00", "tasks": "清扫",
            "start_on": "2026-11-20"}  # fmt: skip
    r = c.post(duty_page, form)
    assert r.status_code == 200 and "选择一个有效的选项" in r.content.decode()
    assert Duty.objects.count() == 1
    items = services.checklist_default(actor=staff, village=jiulong)
    rnd = services.round_create(actor=staff, village=jiulong, on=START, inspectors="王五")
    score_page = reverse("village:sanitation_score_create", args=[rnd.pk])
    body = c.get(score_page).content.decode()
    assert "村部至学校</option>" in body and ">河堤</option>" not in body
    r = c.post(score_page, {"section": river.pk, **{f"item_{i.pk}": 1 for i in items}})
    assert r.status_code == 200 and "选择一个有效的选项" in r.content.decode()
    assert not InspectionScore.objects.exists()
    # a duty on a section marked retired directly (never by the services) stays off the roster
    RoadSection.objects.filter(pk=section.pk).update(retired_on=timezone.localdate())
    roster_page = f"{reverse('village:sanitation')}?tab=roster&village={jiulong.code}"
    assert "村部至学校" not in c.get(roster_page).content.decode()
    printed = c.get(reverse("village:sanitation_roster_print", args=[jiulong.code]))
    assert printed.status_code == 200 and "村部至学校" not in printed.content.decode()
    assert Duty.objects.get(pk=duty.pk).section_id == section.pk


def test_sections_pages_scope(persona: Callable[[str], User], staff: User, jiulong: Region) -> None:
    section = services.section_add(actor=staff, village=jiulong, name="河堤")
    post = services.post_add(actor=staff, village=jiulong, name="监督员")
    retired_section = services.section_retire(
        actor=staff, section=services.section_add(actor=staff, village=jiulong, name="广场")
    )
    retired_post = services.post_retire(
        actor=staff, post=services.post_add(actor=staff, village=jiulong, name="队长")
    )
    urls = [
        reverse("village:sanitation_section_edit", args=[section.pk]),
        reverse("village:sanitation_section_retire", args=[section.pk]),
        reverse("village:sanitation_section_restore", args=[retired_section.pk]),
        reverse("village:sanitation_post_edit", args=[post.pk]),
        reverse("village:sanitation_post_retire", args=[post.pk]),
        reverse("village:sanitation_post_restore", args=[retired_post.pk]),
    ]
    outsider, villager = client_for(persona("另一村的村干部")), client_for(persona("九龙村村民"))
    page = reverse("village:sanitation_sections", args=[jiulong.code])
    assert outsider.get(page).status_code == 404 and villager.get(page).status_code == 403
    for url in urls:
        assert outsider.post(url, {"name": "x"}).status_code == 404, url
        assert villager.post(url, {"name": "x"}).status_code == 403, url
    supervisor = client_for(persona("九龙村监委会委员"))
    r = supervisor.get(page)
    assert r.status_code == 200 and '<span class="tag">已撤销</span>' in r.content.decode()
    assert "重新启用</button>" not in r.content.decode()
    assert supervisor.post(urls[1]).status_code == 403
    assert supervisor.post(urls[2]).status_code == 403
    today = timezone.localdate()
    assert list(RoadSection.objects.values_list("name", "retired_on")) == [
        ("广场", today), ("河堤", None),
    ]  # fmt: skip
    assert list(DutyPost.objects.values_list("name", "retired_on")) == [
        ("监督员", None), ("队长", today),
    ]  # fmt: skip


# ---------------------------------------------------------------- API


def test_checklist_over_api(api_as: Callable[[str], Any], staff: User, jiulong: Region) -> None:
    api = api_as("九龙村村干部")
    items = api.post(f"{BASE}/checklist/{jiulong.code}/default").json()
    r = api.post(f"{BASE}/checklist/{jiulong.code}/items", {"name": "厕所卫生", "max_score": 10})
    assert r.status_code == 201, r.content
    new = r.json()
    assert {k: new[k] for k in ("name", "max_score", "active", "position")} == {
        "name": "厕所卫生", "max_score": 10, "active": True, "position": 4,
    }  # fmt: skip
    before = _items(jiulong)
    for body, status, message in (
        ({"name": "厕所卫生", "max_score": 10}, 409, "本村已有督查项目“厕所卫生”"),
        ({"name": "厕所", "max_score": 0}, 400, "满分应为1到100的整数"),
        ({"name": "", "max_score": 5}, 400, "请填写检查项目"),
    ):
        r = api.post(f"{BASE}/checklist/{jiulong.code}/items", body)
        assert (r.status_code, r.json()["message"]) == (status, message)
    for body in ({"name": "厕\x00所", "max_score": 5}, {"name": "厕所", "max_score": "x"}, {}):
        assert api.post(f"{BASE}/checklist/{jiulong.code}/items", body).status_code == 422
    r = api.put(f"{BASE}/items/{new['id']}", {"name": "厕所整洁", "max_score": 15})
    assert r.status_code == 200 and (r.json()["name"], r.json()["max_score"]) == ("厕所整洁", 15)
    r = api.put(f"{BASE}/items/{new['id']}", {"name": "路面干净", "max_score": 15})
    assert (r.status_code, r.json()["message"]) == (409, "本村已有督查项目“路面干净”")
    r = api.post(f"{BASE}/items/{new['id']}/retire")
    assert r.status_code == 200 and r.json()["active"] is False
    r = api.post(f"{BASE}/items/{new['id']}/retire")
    assert (r.status_code, r.json()["message"]) == (409, "该督查项目已停用")
    assert api.post(f"{BASE}/items/{new['id']}/restore").json()["active"] is True
    assert [i["name"] for i in api.get(f"{BASE}/checklist/{jiulong.code}").json()][-1] == "厕所整洁"
    assert before[:4] == _items(jiulong)[:4]
    outsider, villager = api_as("另一村的村干部"), api_as("九龙村村民")
    first = items[0]["id"]
    for client, status in ((outsider, 404), (villager, 403)):
        body = {"name": "x", "max_score": 5}
        assert client.post(f"{BASE}/checklist/{jiulong.code}/items", body).status_code == status
        assert client.put(f"{BASE}/items/{first}", body).status_code == status
        assert client.post(f"{BASE}/items/{first}/retire").status_code == status
    assert api.put(f"{BASE}/items/{2**63}", {"name": "x", "max_score": 5}).status_code in (404, 422)
    assert api.put(f"{BASE}/items/{2**40}", {"name": "x", "max_score": 5}).status_code == 404
    assert _items(jiulong)[0] == ("路面干净", 30, True)


def test_sections_and_posts_over_api(
    api_as: Callable[[str], Any], staff: User, jiulong: Region, household: Household
) -> None:
    section, post, _duty = roster(staff, jiulong, household)
    api = api_as("九龙村村干部")
    r = api.put(f"{BASE}/sections/{section.pk}", {"name": "村部至小学", "length_m": 900,
                                                  "description": "水泥路"})  # fmt: skip
    assert r.status_code == 200, r.content
    assert {k: r.json()[k] for k in ("name", "length_m", "description", "group")} == {
        "name": "村部至小学", "length_m": 900, "description": "水泥路", "group": None,
    }  # fmt: skip
    r = api.put(f"{BASE}/sections/{section.pk}", {"name": "x", "group": 2**40})
    assert r.status_code == 404
    r = api.put(f"{BASE}/sections/{section.pk}", {"name": "x", "length_m": 100_001})
    assert (r.status_code, r.json()["message"]) == (400, "长度应在0到100000米之间")
    r = api.post(f"{BASE}/sections/{section.pk}/retire")
    assert (r.status_code, r.json()["message"]) == (409, "该路段有1项在岗值守，不能撤销")
    assert api.call("delete", f"{BASE}/sections/{section.pk}").status_code == 405
    river = services.section_add(actor=staff, village=jiulong, name="河堤")
    for path in ("retire", "restore"):
        url = f"{BASE}/sections/{river.pk}/{path}"
        assert api_as("另一村的村干部").post(url).status_code == 404
        assert api_as("九龙村村民").post(url).status_code == 403
    today = timezone.localdate().isoformat()
    r = api.post(f"{BASE}/sections/{river.pk}/retire")
    assert r.status_code == 200, r.content
    assert r.json() == {"id": river.pk, "village": jiulong.code, "name": "河堤", "group": None,
                        "description": "", "length_m": 0, "retired_on": today}  # fmt: skip
    r = api.post(f"{BASE}/sections/{river.pk}/retire")
    assert (r.status_code, r.json()["message"]) == (409, "该路段已撤销")
    r = api.put(f"{BASE}/sections/{river.pk}", {"name": "河堤路"})
    assert (r.status_code, r.json()["message"]) == (409, "该路段已撤销，不能修改")
    listed = api.get(f"{BASE}/sections", village=jiulong.code).json()["items"]
    assert [(x["name"], x["retired_on"]) for x in listed] == [("村部至小学", None),
                                                              ("河堤", today)]  # fmt: skip
    duty = {"village": jiulong.code, "person": _duty.person_id, "post": post.pk,
            "section": river.pk, "weekdays": "246", "start_time": "16:00",
            "end_time": "17:00", "tasks": "清扫", "start_on": "2026-11-20"}  # fmt: skip
    r = api.post(f"{BASE}/duties", duty)
    assert (r.status_code, r.json()["message"]) == (409, "路段“河堤”已撤销，不能安排值守")
    items = api.post(f"{BASE}/checklist/{jiulong.code}/default").json()
    rnd = api.post(f"{BASE}/rounds", {"village": jiulong.code, "on": "2026-11-20",
                                      "inspectors": "王五"}).json()  # fmt: skip
    scores = {"section": river.pk, "scores": {str(i["id"]): 1 for i in items}}
    r = api.post(f"{BASE}/rounds/{rnd['id']}/scores", scores)
    assert (r.status_code, r.json()["message"]) == (409, "路段“河堤”已撤销，不能打分")
    r = api.post(f"{BASE}/sections/{river.pk}/restore")
    assert r.status_code == 200 and r.json()["retired_on"] is None
    r = api.post(f"{BASE}/sections/{river.pk}/restore")
    assert (r.status_code, r.json()["message"]) == (409, "该路段未撤销")
    r = api.post(f"{BASE}/rounds/{rnd['id']}/scores", scores)
    assert r.status_code == 201 and (r.json()["total"], r.json()["max_total"]) == (4, 100)
    assert list(RoadSection.objects.order_by("name").values_list("name", "length_m")) == [
        ("村部至小学", 900), ("河堤", 0),
    ]  # fmt: skip
    r = api.put(f"{BASE}/posts/{post.pk}", {"name": "保洁队长"})
    assert r.status_code == 200
    assert r.json() == {"id": post.pk, "village": jiulong.code, "name": "保洁队长",
                        "retired_on": None}  # fmt: skip
    r = api.put(f"{BASE}/posts/{post.pk}", {"name": " "})
    assert (r.status_code, r.json()["message"]) == (400, "请填写岗位名称")
    r = api.post(f"{BASE}/posts/{post.pk}/retire")
    assert (r.status_code, r.json()["message"]) == (409, "该岗位有1项在岗值守，不能撤销")
    assert api.call("delete", f"{BASE}/posts/{post.pk}").status_code == 405
    assert api_as("另一村的村干部").put(f"{BASE}/posts/{post.pk}", {"name": "x"}).status_code == 404
    assert api_as("九龙村村民").put(f"{BASE}/posts/{post.pk}", {"name": "x"}).status_code == 403
    spare = api.post(f"{BASE}/posts", {"village": jiulong.code, "name": "监督员"}).json()
    assert spare["retired_on"] is None
    for path in ("retire", "restore"):
        url = f"{BASE}/posts/{spare['id']}/{path}"
        assert api_as("另一村的村干部").post(url).status_code == 404
        assert api_as("九龙村村民").post(url).status_code == 403
    r = api.post(f"{BASE}/posts/{spare['id']}/retire")
    assert r.status_code == 200 and r.json()["retired_on"] == today
    r = api.post(f"{BASE}/posts/{spare['id']}/retire")
    assert (r.status_code, r.json()["message"]) == (409, "该岗位已撤销")
    r = api.post(f"{BASE}/duties", {**duty, "section": section.pk, "post": spare["id"]})
    assert (r.status_code, r.json()["message"]) == (409, "岗位“监督员”已撤销，不能安排值守")
    r = api.put(f"{BASE}/posts/{spare['id']}", {"name": "督导员"})
    assert (r.status_code, r.json()["message"]) == (409, "该岗位已撤销，不能修改")
    assert api.post(f"{BASE}/posts/{spare['id']}/restore").json()["retired_on"] is None
    r = api.post(f"{BASE}/posts/{spare['id']}/restore")
    assert (r.status_code, r.json()["message"]) == (409, "该岗位未撤销")
    assert list(DutyPost.objects.order_by("pk").values_list("name", "retired_on")) == [
        ("保洁队长", None), ("监督员", None),
    ]  # fmt: skip
    assert Duty.objects.count() == 1


@pytest.mark.parametrize("path", ["sections", "posts"])
@pytest.mark.parametrize("action", ["retire", "restore"])
def test_api_retire_restore_with_unknown_id(
    api_as: Callable[[str], Any], path: str, action: str
) -> None:
    api = api_as("九龙村村干部")
    assert api.post(f"{BASE}/{path}/{2**40}/{action}").status_code == 404
    assert api.post(f"{BASE}/{path}/abc/{action}").status_code in (404, 422)
    assert api.post(f"{BASE}/{path}/{2**63}/{action}").status_code in (404, 422)


@pytest.mark.parametrize("path", ["sections", "posts", "items"])
def test_api_edit_with_unknown_id_is_404(api_as: Callable[[str], Any], path: str) -> None:
    api = api_as("九龙村村干部")
    body = {"name": "x", "max_score": 5}
    assert api.put(f"{BASE}/{path}/{2**40}", body).status_code == 404
    assert api.put(f"{BASE}/{path}/abc", body).status_code in (404, 422)
