"""A round's page: posting a yard score's reward or penalty to the points module (the posted
event's status shown afterwards), the round's photos (download page, upload over the API)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.points.models import EventStatus, PointEvent, RuleItem
from cunwu.points.tests.conftest import ON_THE_DAY, draft_version, effective_version, item  # noqa: F401
from cunwu.registry.models import Household
from cunwu.village.models_sanitation import InspectionPhoto, InspectionScore
from cunwu.village.services import sanitation as services
from cunwu.village.tests.fixtures_sanitation import JPEG, PNG, START, roster, yard_round

pytestmark = ON_THE_DAY

BASE = "/village/sanitation"


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_yard_penalty_posted_from_the_round_page(
    staff: User, jiulong: Region, household: Household,
    item: Callable[[str], RuleItem],  # noqa: F811
    django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    rnd, _items, score = yard_round(staff, jiulong, household)
    c = client_for(staff)
    page = reverse("village:sanitation_score_create", args=[rnd.pk])
    points_url = reverse("village:sanitation_score_points", args=[score.pk])
    r = c.get(page)
    body = r.content.decode()
    assert "80/100" in body and points_url in body and "本轮已打分1项" in body
    r = c.get(points_url)
    body = r.content.decode()
    assert r.status_code == 200 and "E02 乱堆乱放（-5分）" in body
    assert "0001户庭院得分80/100" in body
    penalty = item("E02")
    r = c.post(points_url, {"item": penalty.pk, "points": "-20"})
    assert r.status_code == 200 and "分值应在-10到-2之间" in r.content.decode()
    r = c.post(points_url, {"item": item("E01").pk})
    assert r.status_code == 200 and "该事项须上传照片作为佐证" in r.content.decode()
    r = c.post(points_url, {"item": "abc"})
    assert r.status_code == 200
    assert not PointEvent.objects.exists()
    assert InspectionScore.objects.get(pk=score.pk).point_event_id is None
    r = c.post(points_url, {"item": penalty.pk, "points": "-3", "description": ""})
    assert r.status_code == 302 and r["Location"] == page
    event = PointEvent.objects.get()
    assert (event.household_id, event.item_id, event.points, event.status, event.date,
            event.description) == (household.pk, penalty.pk, -3, EventStatus.PROPOSED, START,
                                   "卫生督查得分80/100")  # fmt: skip
    assert InspectionScore.objects.get(pk=score.pk).point_event_id == event.pk
    with django_assert_max_num_queries(15):
        r = c.get(page)
    body = r.content.decode()
    assert "已申报积分-3分，待审核" in body and '-3分 · <span class="tag">待审核</span>' in body
    assert points_url not in body
    r = c.get(points_url, follow=True)
    assert "该得分已计过积分" in r.content.decode()
    r = c.post(points_url, {"item": penalty.pk}, follow=True)
    assert "该得分已计过积分" in r.content.decode() and PointEvent.objects.count() == 1


def test_section_score_and_missing_rulebook(
    staff: User, jiulong: Region, household: Household
) -> None:
    rnd, items, yard = yard_round(staff, jiulong, household)
    section, _post, _duty = roster(staff, jiulong, household)
    road = services.score_record(actor=staff, round=rnd, section=section,
                                 scores={i.pk: 1 for i in items})  # fmt: skip
    c = client_for(staff)
    r = c.get(reverse("village:sanitation_score_points", args=[road.pk]), follow=True)
    assert "只有农户庭院的得分可以计积分" in r.content.decode()
    url = reverse("village:sanitation_score_points", args=[yard.pk])
    r = c.get(url)
    assert "2026年11月02日本村还没有生效的积分细则" in r.content.decode()
    r = c.post(url, {"item": "1"})
    assert r.status_code == 200 and not PointEvent.objects.exists()


def test_points_page_scope(
    persona: Callable[[str], User], staff: User, jiulong: Region, household: Household
) -> None:
    _rnd, _items, score = yard_round(staff, jiulong, household)
    url = reverse("village:sanitation_score_points", args=[score.pk])
    assert client_for(persona("另一村的村干部")).get(url).status_code == 404
    assert client_for(persona("九龙村村民")).get(url).status_code == 403
    assert client_for(persona("另一村的村干部")).post(url, {"item": "1"}).status_code == 404
    assert client_for(staff).get(reverse("village:sanitation_score_points",
                                         args=[2**40])).status_code == 404  # fmt: skip
    assert InspectionScore.objects.get().point_event_id is None


def test_photos_listed_and_downloaded(
    persona: Callable[[str], User], staff: User, jiulong: Region
) -> None:
    rnd = services.round_create(actor=staff, village=jiulong, on=START, inspectors="王五")
    other = services.round_create(actor=staff, village=jiulong, on=START, inspectors="赵六")
    (photo,) = services.round_photos_add(actor=staff, round=rnd, files=[("路口.jpg", JPEG)])
    c = client_for(staff)
    url = reverse("village:sanitation_photo", args=[rnd.pk, photo.pk])
    r = c.get(reverse("village:sanitation_score_create", args=[rnd.pk]))
    assert url in r.content.decode() and "路口.jpg" in r.content.decode()
    r = c.get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content) == JPEG  # type: ignore[attr-defined]
    assert (r["Content-Type"], r["X-Content-Type-Options"]) == ("image/jpeg", "nosniff")
    assert c.get(reverse("village:sanitation_photo", args=[other.pk, photo.pk])).status_code == 404
    assert client_for(persona("另一村的村干部")).get(url).status_code == 404
    assert client_for(persona("九龙村村民")).get(url).status_code == 403
    assert client_for(persona("开云镇干部")).get(url).status_code == 200


def _upload(api: Any, pk: int, files: list[tuple[str, bytes]]) -> Any:
    data = {"files": [SimpleUploadedFile(n, b) for n, b in files]}
    return api.client.post(f"/api/v1{BASE}/rounds/{pk}/photos", data, headers=api.headers)


def test_photos_over_api(
    api_as: Callable[[str], Any], staff: User, jiulong: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    rnd = services.round_create(actor=staff, village=jiulong, on=START, inspectors="王五")
    api = api_as("九龙村村干部")
    r = _upload(api, rnd.pk, [("a.jpg", JPEG), ("b.png", PNG)])
    assert r.status_code == 201, r.content
    assert [(p["original_name"], p["content_type"], p["size"]) for p in r.json()] == [
        ("a.jpg", "image/jpeg", len(JPEG)), ("b.png", "image/png", len(PNG)),
    ]  # fmt: skip
    assert list(InspectionPhoto.objects.filter(round=rnd).values_list("original_name", flat=True)
                ) == ["a.jpg", "b.png"]  # fmt: skip
    r = _upload(api, rnd.pk, [("ok.jpg", JPEG), ("x.txt", b"hello")])
    assert (r.status_code, r.json()["message"]) == (400, "附件“x.txt”不是 PDF、PNG 或 JPEG 文件")
    r = _upload(api, rnd.pk, [("p.jpg", JPEG)] * 11)
    assert (r.status_code, r.json()["message"]) == (400, "每次至多上传10张照片")
    monkeypatch.setattr("cunwu.village.api_sanitation.MAX_ATTACHMENT_BYTES", 50)
    r = _upload(api, rnd.pk, [("big.jpg", JPEG)])
    assert (r.status_code, r.json()["message"]) == (400, "照片不能超过10MB")
    monkeypatch.undo()
    r = api.client.post(f"/api/v1{BASE}/rounds/{rnd.pk}/photos", {}, headers=api.headers)
    assert r.status_code == 422
    assert api.post(f"{BASE}/rounds/{rnd.pk}/photos", {"files": "x"}).status_code in (400, 422)
    assert _upload(api_as("另一村的村干部"), rnd.pk, [("a.jpg", JPEG)]).status_code == 404
    assert _upload(api_as("九龙村村民"), rnd.pk, [("a.jpg", JPEG)]).status_code == 403
    assert _upload(api_as("衡山县部门用户"), rnd.pk, [("a.jpg", JPEG)]).status_code == 403
    assert _upload(api, 2**40, [("a.jpg", JPEG)]).status_code == 404
    assert InspectionPhoto.objects.filter(round=rnd).count() == 2
