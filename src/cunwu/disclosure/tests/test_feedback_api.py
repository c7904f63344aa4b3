"""Feedback and the problem ledger over the API: scoped for staff (the cadre a complaint names
gets 404), public submit, tracking and rating without credentials."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.api.tests.conftest import ApiClient
from cunwu.core.models import Region
from cunwu.disclosure import services_feedback as services
from cunwu.disclosure.models import Feedback, FeedbackKind, FeedbackStatus
from cunwu.testing import JIULONG, business_events

Api = Callable[[str], ApiClient]


@pytest.fixture
def complaint(jiulong: Region, persona: Callable[[str], User]) -> Feedback:
    return services.feedback_submit(
        village=jiulong, kind=FeedbackKind.COMPLAINT, text="村干部截留补贴。",
        about_user=persona("九龙村村干部"),
    )  # fmt: skip


def _public(method: str, path: str, body: Any = None) -> Any:
    client = Client(raise_request_exception=False)
    if method == "get":
        return client.get(f"/api/v1{path}")
    return client.post(f"/api/v1{path}", body or {}, content_type="application/json")


def test_the_named_cadre_gets_404_and_no_trace_in_lists_or_statistics(
    api_as: Api, jiulong: Region, complaint: Feedback
) -> None:
    ordinary = services.feedback_submit(village=jiulong, kind="question", text="几点开会？")
    cadre = api_as("九龙村村干部")
    listing = cadre.get("/feedback").json()
    assert (listing["count"], [i["code"] for i in listing["items"]]) == (1, [ordinary.code])
    assert cadre.get(f"/feedback/{complaint.pk}").status_code == 404
    reply = cadre.post(f"/feedback/{complaint.pk}/replies", {"text": "我解释"})
    assert reply.status_code == 404
    stats = cadre.get("/feedback/stats").json()
    assert stats[-1]["village_name"] == "合计" and stats[-1]["total"] == 1
    committee = api_as("九龙村监委会委员")
    detail = committee.get(f"/feedback/{complaint.pk}").json()
    assert (detail["about_cadre"], detail["about_user"]) == (True, "九龙村村干部")
    assert committee.get("/feedback/stats").json()[-1]["total"] == 2
    assert api_as("另一村的村干部").get(f"/feedback/{ordinary.pk}").status_code == 404
    assert api_as("九龙村村民").get("/feedback").json()["count"] == 0


def test_staff_reply_resolve_and_the_public_follows_by_code(api_as: Api, jiulong: Region) -> None:
    created = _public(
        "post", "/public/feedback",
        {"region": JIULONG, "kind": "suggestion", "text": "建议装路灯", "phone": "13700001111"},
    )  # fmt: skip
    assert created.status_code == 201
    code = created.json()["code"]
    feedback = Feedback.objects.get(code=code)
    cadre = api_as("九龙村村干部")
    note = cadre.post(f"/feedback/{feedback.pk}/replies", {"text": "先报预算", "internal": True})
    assert note.status_code == 201
    cadre.post(f"/feedback/{feedback.pk}/replies", {"text": "已列入计划"})
    early = _public("post", f"/public/feedback/{code}/rating", {"score": 5})
    assert (early.status_code, early.json()["code"]) == (409, "feedback_not_resolved")
    resolved = cadre.post(f"/feedback/{feedback.pk}/resolve", {"resolution": "已安装"}).json()
    assert resolved["status"] == FeedbackStatus.RESOLVED
    assert [r["internal"] for r in resolved["replies"]] == [True, False]
    tracked = _public("get", f"/public/feedback/{code.lower()}").json()
    assert [r["text"] for r in tracked["replies"]] == ["已列入计划"]  # no internal note
    assert "phone" not in tracked
    rated = _public("post", f"/public/feedback/{code}/rating", {"score": 4, "comment": "不错"})
    assert (rated.status_code, rated.json()["satisfaction"]) == (200, 4)
    again = _public("post", f"/public/feedback/{code}/rating", {"score": 1})
    assert (again.status_code, again.json()["code"]) == (409, "feedback_rated")


@pytest.mark.parametrize(
    "body",
    [
        {"region": JIULONG, "kind": "praise", "text": "好"},
        {"region": "123", "kind": "question", "text": "好"},
        {"region": JIULONG, "kind": "question", "text": "\x00"},
        {"region": JIULONG, "kind": "question", "text": "好", "about_user": 0},
    ],
)
def test_bad_public_input_is_422_and_changes_nothing(regions: Any, body: dict[str, Any]) -> None:
    response = _public("post", "/public/feedback", body)
    assert response.status_code == 422
    assert not Feedback.objects.exists()


def test_refusals_by_rule_are_4xx_json(regions: Any, persona: Callable[[str], User]) -> None:
    cadre = persona("另一村的村干部")
    wrong = _public(
        "post", "/public/feedback",
        {"region": JIULONG, "kind": "complaint", "text": "x", "about_user": cadre.pk},
    )  # fmt: skip
    assert (wrong.status_code, wrong.json()["field"]) == (400, "about_user")
    township = _public("post", "/public/feedback", {"region": "430423100000", "kind": "question",
                                                     "text": "x"})  # fmt: skip
    assert township.status_code == 404
    assert _public("get", "/public/feedback/NOPE").status_code == 404
    assert not business_events().exists()


def test_the_problem_ledger_over_the_api(
    api_as: Api, jiulong: Region, persona: Callable[[str], User]
) -> None:
    committee = persona("九龙村监委会委员")
    problem = services.problem_create(
        actor=committee, village=jiulong, source_type="assets.contract", source_id="7",
        description="租金逾期未收", responsible="村会计",
        due_date=timezone.localdate() + timedelta(days=30),
    )  # fmt: skip
    cadre = api_as("九龙村村干部")
    assert cadre.get("/problems", status="open").json()["count"] == 1
    progressed = cadre.post(f"/problems/{problem.pk}/progress", {"progress": "已催收"})
    assert progressed.json()["status"] == "rectifying"
    assert cadre.post(f"/problems/{problem.pk}/close", {"evidence": "x"}).status_code == 403
    closed = api_as("九龙村监委会委员").post(f"/problems/{problem.pk}/close", {"evidence": "收据"})
    assert (closed.json()["status"], closed.json()["closed_by"]) == ("closed", "九龙村监委会委员")
    assert api_as("另一村的村干部").get(f"/problems/{problem.pk}").status_code == 404


def test_the_public_submit_is_rate_limited(regions: Any) -> None:
    body = {"region": JIULONG, "kind": "question", "text": "几点开会？"}
    statuses = [_public("post", "/public/feedback", body).status_code for _ in range(11)]
    assert statuses == [201] * 10 + [429]
