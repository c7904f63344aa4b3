"""Care pages and API: add, visit, overdue list and export, end; scope; bad input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.timezone import localdate

from cunwu.accounts.models import User
from cunwu.registry.models import Household, Person
from cunwu.village.models import CareRecord, CareVisit

from .fixtures_honours import *  # noqa: F403

pytestmark = pytest.mark.django_db


def login(persona: Callable[[str], User], name: str) -> Client:
    c = Client(raise_request_exception=False)
    c.force_login(persona(name))
    return c


def test_pages(persona: Callable[[str], User], household: Household) -> None:
    p = Person.objects.get(household=household, name="张小明")
    Person.objects.filter(pk=p.pk).update(disability="肢体三级")
    c = login(persona, "九龙村村干部")
    url = reverse("village:care_create")
    base = {
        "person": p.pk,
        "group": "disabled",
        "since": (localdate() - timedelta(days=70)).isoformat(),
        "carer_name": "刘医生",
        "carer_phone": "123",
    }
    r = c.post(url, base)
    assert r.status_code == 200 and "格式不正确" in r.content.decode()
    assert CareRecord.objects.count() == 0
    r = c.post(url, {**base, "carer_phone": "13800138000"})
    rec = CareRecord.objects.get()
    assert r.status_code == 302 and rec.interval_days == 60
    page = c.get(reverse("village:care_list") + "?overdue=1").content.decode()
    assert "逾期10天" in page and "13800138000" not in page
    assert "肢体三级" in c.get(reverse("village:care_detail", args=[rec.pk])).content.decode()
    r = c.get(reverse("village:care_list") + "?format=xlsx")
    assert r.status_code == 200 and "spreadsheet" in r["Content-Type"]
    r = c.post(reverse("village:care_visit_create", args=[rec.pk]),
               {"visited_on": localdate().isoformat(), "needs": "", "help_given": ""})  # fmt: skip
    assert r.status_code == 200 and "请填写发现的需求或提供的帮助" in r.content.decode()
    r = c.post(
        reverse("village:care_visit_create", args=[rec.pk]),
        {
            "visited_on": localdate().isoformat(),
            "needs": "轮椅坏了",
            "help_given": "联系残联",
        },
    )
    assert r.status_code == 302 and CareVisit.objects.count() == 1
    assert (
        "没有符合条件的关爱对象"
        in c.get(reverse("village:care_list") + "?overdue=1").content.decode()
    )
    r = c.post(reverse("village:care_end", args=[rec.pk]),
               {"ended_on": localdate().isoformat(), "reason": "去世"})  # fmt: skip
    assert r.status_code == 302
    rec.refresh_from_db()
    assert rec.ended_on == localdate()


def test_pages_scope(persona: Callable[[str], User], household: Household) -> None:
    from cunwu.village.services.care import care_add

    p = Person.objects.get(household=household, name="张小明")
    rec = care_add(actor=persona("九龙村村干部"), person=p, group="child", since=localdate(),
                   carer_name="刘老师")  # fmt: skip
    other = login(persona, "另一村的村干部")
    assert other.get(reverse("village:care_detail", args=[rec.pk])).status_code == 404
    assert (
        other.post(
            reverse("village:care_end", args=[rec.pk]),
            {"ended_on": localdate().isoformat(), "reason": "x"},
        ).status_code
        == 404
    )
    r = other.post(reverse("village:care_create"),
                   {"person": p.pk, "group": "elder", "since": localdate().isoformat(),
                    "carer_name": "x"})  # fmt: skip
    assert r.status_code == 200 and "没有这个人员" in r.content.decode()
    assert login(persona, "九龙村监委会委员").get(reverse("village:care_list")).status_code == 403
    assert (
        login(persona, "九龙村村民").get(reverse("village:care_detail", args=[rec.pk])).status_code
        == 404
    )
    assert CareRecord.objects.count() == 1


def test_api(
    api: Callable[[str], Any], persona: Callable[[str], User], household: Household
) -> None:
    today = localdate()
    p = Person.objects.get(household=household, name="张小明")
    a = api("九龙村工作队员")
    team = persona("九龙村工作队员")
    r = a.post("/village/care", {"person": p.pk, "group": "child",
                                 "since": (today - timedelta(days=31)).isoformat(),
                                 "carer_user": team.pk})  # fmt: skip
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["due_on"] == (today - timedelta(days=1)).isoformat()
    od = a.get("/village/care/overdue").json()
    assert od["count"] == 1 and od["items"][0]["days_late"] == 1
    assert a.get("/village/care/overdue", carer=team.pk + 1000).json()["count"] == 0
    r = a.post(f"/village/care/{pk}/visits", {"visited_on": (today + timedelta(days=1)).isoformat(),
                                               "needs": "x"})  # fmt: skip
    assert r.status_code == 400 and r.json()["code"] == "visit_future"
    r = a.post(
        f"/village/care/{pk}/visits",
        {"visited_on": today.isoformat(), "help_given": "辅导作业"},
    )
    assert r.status_code == 201
    assert a.get("/village/care/overdue").json()["count"] == 0
    assert len(a.get(f"/village/care/{pk}/visits").json()) == 1
    r = a.post(f"/village/care/{pk}/carer", {"carer_name": "张老师", "carer_phone": "13912345678"})
    assert r.json()["carer"] == "张老师 139****5678"
    r = a.post(
        f"/village/care/{pk}/end",
        {"ended_on": today.isoformat(), "reason": "年满18岁"},
    )
    assert r.json()["end_reason"] == "年满18岁"
    assert a.get("/village/care").json()["count"] == 0
    assert a.get("/village/care", status="all").json()["count"] == 1
    other = api("另一村的村干部")
    assert other.get(f"/village/care/{pk}").status_code == 404
    assert (
        other.post(
            "/village/care",
            {
                "person": p.pk,
                "group": "elder",
                "since": today.isoformat(),
                "carer_name": "x",
            },
        ).status_code
        == 404
    )
    assert api("九龙村监委会委员").get("/village/care").status_code == 403


def test_suggestions_page(persona: Callable[[str], User], household: Household) -> None:
    p = Person.objects.get(household=household, name="张小明")
    Person.objects.filter(pk=p.pk).update(disability="视力一级")
    c = login(persona, "九龙村村干部")
    page = c.get(reverse("village:care_suggestions")).content.decode()
    assert "残疾情况：视力一级" in page and f"?person={p.pk}&amp;group=disabled" in page
    r = c.get(reverse("village:care_create") + f"?person={p.pk}&group=disabled")
    assert r.status_code == 200 and f'value="{p.pk}"' in r.content.decode()
    assert (
        login(persona, "另一村的村干部").get(reverse("village:care_suggestions")).status_code == 200
    )
    assert "视力一级" not in login(persona, "另一村的村干部").get(
        reverse("village:care_suggestions")).content.decode()  # fmt: skip


def test_carer_changed_to_a_cadre_or_a_named_person(
    persona: Callable[[str], User], household: Household
) -> None:
    from cunwu.village.services.care import care_add

    cadre, team = persona("九龙村村干部"), persona("九龙村工作队员")
    township, outsider = persona("开云镇干部"), persona("另一村的村干部")
    p = Person.objects.get(household=household, name="张小明")
    rec = care_add(actor=cadre, person=p, group="child", since=localdate(), carer_name="刘老师")
    c = login(persona, "九龙村村干部")
    url = reverse("village:care_carer", args=[rec.pk])
    choices = c.get(url).context["form"].fields["carer_user"].queryset
    assert set(choices) == {cadre, team, township} and outsider not in choices
    r = c.post(url, {"carer_user": "", "carer_name": " ", "carer_phone": ""})
    assert r.status_code == 200 and "请填写关爱责任人" in r.content.decode()
    r = c.post(url, {"carer_user": outsider.pk, "carer_name": "", "carer_phone": ""})
    assert r.status_code == 200 and "选择一个有效的选项" in r.content.decode()
    rec.refresh_from_db()
    assert (rec.carer_user, rec.carer_name) == (None, "刘老师")
    r = c.post(url, {"carer_user": team.pk, "carer_name": "", "carer_phone": ""})
    assert r.status_code == 302
    rec.refresh_from_db()
    assert (rec.carer_user, rec.carer_name, rec.carer_phone_masked) == (team, "", "")
    r = c.post(url, {"carer_user": "", "carer_name": "王阿姨", "carer_phone": "13800138000"})
    rec.refresh_from_db()
    assert (rec.carer_user, rec.carer_name, rec.carer_phone_masked) == (
        None, "王阿姨", "138****8000",
    )  # fmt: skip
    assert login(persona, "另一村的村干部").get(url).status_code == 404


def test_ids_int_refuses_are_ignored(persona: Callable[[str], User]) -> None:
    c = login(persona, "九龙村村干部")
    assert c.get(reverse("village:care_list"), {"carer": "²"}).status_code == 200
    r = c.get(reverse("village:care_create"), {"person": "²"})
    assert r.status_code == 200 and r.context["form"].initial.get("person") is None
