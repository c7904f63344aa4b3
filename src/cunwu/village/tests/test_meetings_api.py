"""屋场恳谈会 over the API: record, attendance, opinions, publish, lists; 4xx with the Chinese
message, never a 500; another village's user gets 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cunwu.accounts.models import User
from cunwu.core.models import VillageGroup
from cunwu.disclosure.models import Notice
from cunwu.registry.models import Household
from cunwu.village.models_meetings import Meeting, MeetingOpinion

from .fixtures_meetings import *  # noqa: F403

pytestmark = pytest.mark.django_db


def test_meeting_over_api(
    api_as: Callable[[str], Any], persona: Callable[[str], User], group: VillageGroup,
    household: Household,
) -> None:  # fmt: skip
    api = api_as("九龙村村干部")
    body = {"group": group.pk, "held_on": "2026-03-01", "place": "张家院子", "topic": "村道硬化"}
    r = api.post("/village/meetings", {**body, "held_on": "2099-01-01"})
    assert r.status_code == 400 and r.json()["message"] == "会议日期不能晚于今天"
    r = api.post("/village/meetings", {**body, "held_on": "0"})
    assert r.status_code == 422
    assert Meeting.objects.count() == 0
    r = api.post("/village/meetings", body)
    assert r.status_code == 201, r.content
    meeting = r.json()["id"]
    people = sorted(household.members.values_list("pk", flat=True))
    r = api.put(f"/village/meetings/{meeting}/attendance",
                {"expected": people, "present": people[:2]})  # fmt: skip
    assert r.json() == {"expected": 3, "present": 2, "absent": 1}
    r = api.put(f"/village/meetings/{meeting}/attendance", {"expected": [], "present": []})
    assert r.status_code == 400 and r.json()["message"] == "请选择应到人员"
    cadre = persona("九龙村村干部")
    opinion = {"text": "装路灯", "owner": cadre.pk, "deadline": "2026-03-31"}
    r = api.post(f"/village/meetings/{meeting}/opinions", {**opinion, "owner": 2**40})
    assert r.status_code == 404
    r = api.post(f"/village/meetings/{meeting}/opinions", opinion)
    assert r.status_code == 201 and r.json()["status_label"] == "待回复"
    r = api.post(f"/village/meetings/{meeting}/publish")
    assert r.status_code == 400 and r.json()["message"] == "请先填写会议纪要"
    r = api.put(f"/village/meetings/{meeting}", {**body, "minutes": "同意修路"})
    assert r.status_code == 200 and r.json()["minutes"] == "同意修路"
    r = api.post(f"/village/meetings/{meeting}/publish")
    assert r.status_code == 200 and r.json()["notice"] == Notice.objects.get().pk
    assert r.json()["expected"] == 3 and r.json()["absent"] == 1
    r = api.post(f"/village/meetings/{meeting}/publish")
    assert r.status_code == 409
    listing = api.get("/village/meetings", published="1").json()
    assert listing["count"] == 1 and listing["items"][0]["opinions"] == 1
    assert api.get("/village/meeting-opinions", state="open").json()["count"] == 1
    assert api.get("/village/meeting-opinions", state="bad").status_code == 422


def test_scope_over_api(
    api_as: Callable[[str], Any], persona: Callable[[str], User], group: VillageGroup
) -> None:
    body = {"group": group.pk, "held_on": "2026-03-01", "place": "张家院子", "topic": "村道硬化"}
    outsider = api_as("另一村的村干部")
    assert outsider.post("/village/meetings", body).status_code == 404
    meeting = api_as("九龙村村干部").post("/village/meetings", body).json()["id"]
    assert outsider.get(f"/village/meetings/{meeting}").status_code == 404
    assert outsider.post(f"/village/meetings/{meeting}/publish").status_code == 404
    assert outsider.get("/village/meetings").json()["count"] == 0
    villager = api_as("九龙村村民")
    assert villager.post(f"/village/meetings/{meeting}/opinions",
                         {"text": "x", "owner": 1, "deadline": "2026-03-02"}).status_code in (
        403, 404,
    )  # fmt: skip
    assert MeetingOpinion.objects.count() == 0
