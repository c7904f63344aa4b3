"""Honours pages and API: the workflow through both, scope, bad input."""

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
from cunwu.village.models import Nomination, Selection
from cunwu.village.services import honours as svc

from .fixtures_honours import *  # noqa: F403
from .test_honours_services import close, make, to_candidates

pytestmark = pytest.mark.django_db


def login(persona: Callable[[str], User], name: str) -> Client:
    c = Client(raise_request_exception=False)
    c.force_login(persona(name))
    return c


def test_pages_flow(
    persona: Callable[[str], User], cadre: User, jiulong: Region, three: list[Household]
) -> None:
    c = login(persona, "九龙村村干部")
    r = c.post(reverse("village:selection_create"),
               {"village": jiulong.code, "year": 2026, "kind": "star", "quota": 1})  # fmt: skip
    s = Selection.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse(
        "village:selection_detail", args=[s.pk]
    )
    r = c.post(reverse("village:nomination_create", args=[s.pk]),
               {"household": "9999", "reason": "好"})  # fmt: skip
    assert r.status_code == 200 and "本村没有户编号为“9999”的户" in r.content.decode()
    r = c.post(reverse("village:nomination_ranking", args=[s.pk]), {"top": 2})
    assert r.status_code == 302 and Nomination.objects.count() == 2
    c.post(reverse("village:selection_appraise", args=[s.pk]))
    noms = list(Nomination.objects.order_by("pk"))
    data: dict[str, Any] = {"members_total": 9, "members_present": 7,
                            "appraised_on": timezone.localdate().isoformat()}  # fmt: skip
    data.update({f"votes_{n.pk}": v for n, v in zip(noms, [6, 3], strict=True)})
    r = c.post(reverse("village:selection_votes", args=[s.pk]), data)
    assert r.status_code == 302
    c.post(reverse("village:selection_publish", args=[s.pk]))
    close()
    s.refresh_from_db()
    assert s.stage == "awarded"
    award = s.awards.get()
    for url in [
        reverse("village:selection_list"),
        reverse("village:selection_list") + "?format=xlsx",
        reverse("village:selection_detail", args=[s.pk]),
        reverse("village:award_certificate", args=[award.pk]),
        reverse("village:household_honours", args=[award.household_id]),
    ]:
        assert c.get(url).status_code == 200, url
    assert award.number in c.get(reverse("village:household_honours",
                                         args=[award.household_id])).content.decode()  # fmt: skip


def test_pages_scope(
    persona: Callable[[str], User], cadre: User, jiulong: Region, three: list[Household]
) -> None:
    s = make(cadre, jiulong)
    other = login(persona, "另一村的村干部")
    assert other.get(reverse("village:selection_detail", args=[s.pk])).status_code == 404
    assert other.get(reverse("village:household_honours", args=[three[0].pk])).status_code == 404
    assert other.post(reverse("village:nomination_ranking", args=[s.pk]),
                      {"top": 1}).status_code == 404  # fmt: skip
    sup = login(persona, "九龙村监委会委员")
    assert sup.get(reverse("village:selection_detail", args=[s.pk])).status_code == 200
    assert sup.get(reverse("village:nomination_ranking", args=[s.pk])).status_code == 403
    villager = login(persona, "九龙村村民")
    assert villager.get(reverse("village:selection_list")).status_code == 403
    assert Nomination.objects.count() == 0


def test_api_flow_and_errors(
    api: Callable[[str], Any], cadre: User, jiulong: Region, three: list[Household]
) -> None:
    a = api("九龙村村干部")
    r = a.post("/village/selections", {"village": jiulong.code, "year": 2026, "kind": "family",
                                        "quota": 2})  # fmt: skip
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    r = a.post("/village/selections", {"village": jiulong.code, "year": 2026, "kind": "family",
                                        "quota": 2})  # fmt: skip
    assert r.status_code == 400 and r.json()["code"] == "selection_exists"
    r = a.post(f"/village/selections/{pk}/nominations",
               {"household": three[0].pk, "reason": "邻里和睦"})  # fmt: skip
    assert r.status_code == 201 and r.json()["source"] == "group"
    r = a.post(f"/village/selections/{pk}/nominations/ranking", {"top": 5})
    assert r.status_code == 201 and len(r.json()) == 2
    assert a.post(f"/village/selections/{pk}/appraise").json()["stage"] == "appraising"
    noms = Nomination.objects.filter(selection_id=pk).order_by("pk")
    body = {
        "members_total": 10,
        "members_present": 8,
        "appraised_on": timezone.localdate().isoformat(),
        "votes": [{"nomination": n.pk, "votes": v} for n, v in zip(noms, [7, 5, 2], strict=True)],
    }
    out = a.post(f"/village/selections/{pk}/votes", body).json()
    assert [n["candidate"] for n in sorted(out["nominations"], key=lambda n: n["id"])] == [
        True, True, False]  # fmt: skip
    assert a.post(f"/village/selections/{pk}/publish").json()["stage"] == "disclosing"
    close()
    d = a.get(f"/village/selections/{pk}").json()
    assert d["stage"] == "awarded" and len(d["awards"]) == 2
    honours = a.get(f"/village/households/{three[0].pk}/honours").json()
    assert [h["kind_label"] for h in honours] == ["最美家庭"]
    assert a.get("/village/awards").json()["count"] == 2
    assert a.get("/village/selections", year=2026).json()["count"] == 1


def test_api_scope(
    api: Callable[[str], Any], cadre: User, jiulong: Region, three: list[Household]
) -> None:
    s = make(cadre, jiulong)
    other = api("另一村的村干部")
    assert other.get(f"/village/selections/{s.pk}").status_code == 404
    assert other.post(f"/village/selections/{s.pk}/nominations/ranking",
                      {"top": 1}).status_code == 404  # fmt: skip
    assert (
        other.post(
            "/village/selections",
            {"village": jiulong.code, "year": 2025, "kind": "star", "quota": 1},
        ).status_code
        == 403
    )
    sup = api("九龙村监委会委员")
    assert sup.post(f"/village/selections/{s.pk}/nominations/ranking",
                    {"top": 1}).status_code == 403  # fmt: skip
    assert Nomination.objects.count() == 0


def test_returned_then_reappraised(cadre: User, jiulong: Region, three: list[Household]) -> None:
    s = to_candidates(cadre, make(cadre, jiulong, quota=1), three, [5, 5, 8])
    assert [n.household.number for n in s.nominations.filter(candidate=True)] == ["0003"]
    s = svc.selection_publish(actor=cadre, selection=s)
    assert s.stage == "disclosing"


def test_villager_self_nominates(
    persona: Callable[[str], User], api: Callable[[str], Any], cadre: User, jiulong: Region,
    three: list[Household],
) -> None:  # fmt: skip
    from cunwu.registry.models import Person

    villager = persona("九龙村村民")
    Person.objects.filter(household=three[1]).update(user=villager)
    s = make(cadre, jiulong)
    c = login(persona, "九龙村村民")
    assert s.get_kind_display() in c.get(reverse("village:selection_list")).content.decode()
    assert "自荐本户" in c.get(reverse("village:selection_detail", args=[s.pk])).content.decode()
    r = c.post(reverse("village:nomination_self", args=[s.pk]), {"reason": "家风好"})
    assert r.status_code == 302
    n = Nomination.objects.get()
    assert (n.household_id, n.source) == (three[1].pk, "self")
    r = api("九龙村村民").post(f"/village/selections/{s.pk}/nominations",
                           {"household": three[0].pk, "source": "self", "reason": "x"})  # fmt: skip
    assert r.status_code == 400 and r.json()["code"] == "nomination_self"
    assert c.get(reverse("village:household_honours", args=[three[1].pk])).status_code == 200
    assert c.get(reverse("village:household_honours", args=[three[0].pk])).status_code == 404
    assert c.get(reverse("village:nomination_ranking", args=[s.pk])).status_code == 403
    assert Nomination.objects.count() == 1


def test_year_int_refuses_is_ignored(persona: Callable[[str], User]) -> None:
    c = login(persona, "九龙村村干部")
    assert c.get(reverse("village:selection_list"), {"year": "²⁰²⁶"}).status_code == 200
