# ruff: noqa: F811
"""村规民约与公约 over the API: the flow, bad input (4xx with a code, never 500), scope (404)
and the villager's own confirmation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from cunwu.accounts.models import User
from cunwu.registry.models import Household
from cunwu.village.models import Acknowledgement, RuleVersion, RuleVersionStatus

from .fixtures_rules import adopted, cadre, draft, homes, village_rule, villager  # noqa: F401

pytestmark = pytest.mark.django_db
API = "/api/v1/village"
JSON = "application/json"


def _client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


ADOPT = {"meeting_kind": "assembly", "meeting_on": "2026-11-20", "members": 100, "present": 60,
         "votes_for": 50, "votes_against": 5, "filed_with": "开云镇人民政府"}  # fmt: skip


def test_api_flow_create_draft_patch_adopt_ack_coverage(
    cadre: User, homes: dict[str, Household]
) -> None:
    c = _client(cadre)
    r = c.post(f"{API}/rules", {"village": "430423100224", "kind": "integrity"}, content_type=JSON)
    assert r.status_code == 201, r.content
    rule = r.json()
    assert (rule["kind_label"], rule["current_version"]) == ("清廉公约", None)
    r = c.post(f"{API}/rules/{rule['id']}/versions",
               {"title": "九龙村清廉公约", "clauses": ["不收受红包", "村务公开"]},
               content_type=JSON)  # fmt: skip
    assert r.status_code == 201, r.content
    version = r.json()
    assert [cl["text"] for cl in version["clauses"]] == ["不收受红包", "村务公开"]
    r = c.patch(f"{API}/rule-versions/{version['id']}",
                {"clauses": ["不收受红包礼金", "村务公开", "廉洁用权"]},
                content_type=JSON)  # fmt: skip
    assert r.status_code == 200
    assert len(r.json()["clauses"]) == 3 and r.json()["title"] == "九龙村清廉公约"
    r = c.post(f"{API}/rule-versions/{version['id']}/adopt",
               {**ADOPT, "meeting_kind": "representatives", "members": 30, "present": 20,
                "votes_for": 11, "votes_against": 0, "filed_with": ""},
               content_type=JSON)  # fmt: skip
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "adopted" and r.json()["notice"]
    r = c.post(f"{API}/rule-versions/{version['id']}/acknowledgements",
               {"households": [homes["0101"].pk, homes["0201"].pk]}, content_type=JSON)  # fmt: skip
    assert r.status_code == 201
    assert [(a["number"], a["way"]) for a in r.json()] == [("0101", "paper"), ("0201", "paper")]
    r = c.get(f"{API}/rule-versions/{version['id']}/coverage")
    assert r.status_code == 200
    body = r.json()
    assert (body["total"], body["acknowledged"], body["percent"]) == (5, 2, "40.0%")
    assert [(g["name"], g["acknowledged"], g["missing"]) for g in body["groups"]] == [
        ("一组", 1, ["0102", "0103"]), ("二组", 1, ["0202"])
    ]  # fmt: skip
    r = c.get(f"{API}/rules/{rule['id']}")
    assert r.json()["current_number"] == 1 and len(r.json()["versions"]) == 1
    assert c.get(f"{API}/rules?q=廉洁").json()["count"] == 1


def test_api_bad_input_is_4xx_with_a_code(cadre: User, draft: RuleVersion) -> None:
    c = _client(cadre)
    url = f"{API}/rule-versions/{draft.pk}/adopt"
    r = c.post(url, {**ADOPT, "meeting_kind": "representatives", "members": 30, "present": 30,
                     "votes_for": 30}, content_type=JSON)  # fmt: skip
    assert r.status_code == 400
    assert r.json()["code"] == "rule_meeting_delegated"
    assert c.post(url, {**ADOPT, "present": 50}, content_type=JSON).json()["code"] == "rule_quorum"
    assert c.post(url, {**ADOPT, "meeting_on": "20.11.2026"}, content_type=JSON).status_code == 422
    assert c.post(url, {**ADOPT, "members": 0}, content_type=JSON).status_code == 422
    assert c.post(url, "not json", content_type=JSON).status_code in (400, 422)
    r = c.patch(f"{API}/rule-versions/{draft.pk}", {"clauses": ["好", "长" * 501]},
                content_type=JSON)  # fmt: skip
    assert (r.status_code, r.json()["code"]) == (400, "rule_clause_long")
    r = c.post(f"{API}/rules", {"village": "430423100224", "kind": "village"}, content_type=JSON)
    assert (r.status_code, r.json()["code"]) == (400, "rule_exists")
    r = c.post(f"{API}/rules", {"village": "430423100224", "kind": "x"}, content_type=JSON)
    assert (r.status_code, r.json()["code"]) == (400, "rule_kind")
    r = c.post(f"{API}/rules/{draft.rule_id}/versions", {}, content_type=JSON)
    assert (r.status_code, r.json()["code"]) == (409, "rule_draft_exists")
    r = c.post(f"{API}/rule-versions/{draft.pk}/acknowledgements", {"households": [1]},
               content_type=JSON)  # fmt: skip
    assert r.status_code == 404  # no such household of the village
    r = c.post(f"{API}/rule-versions/{draft.pk}/acknowledgements", {}, content_type=JSON)
    assert (r.status_code, r.json()["code"]) == (400, "rule_ack_empty")
    r = c.patch(f"{API}/rule-versions/{draft.pk}", {"title": "\x00"}, content_type=JSON)
    assert r.status_code == 422
    draft.refresh_from_db()
    assert draft.status == RuleVersionStatus.DRAFT and draft.clauses.count() == 3


def test_api_adopted_version_cannot_be_patched_or_acked_twice(
    cadre: User, adopted: RuleVersion, homes: dict[str, Household]
) -> None:
    c = _client(cadre)
    r = c.patch(f"{API}/rule-versions/{adopted.pk}", {"title": "改"}, content_type=JSON)
    assert (r.status_code, r.json()["code"]) == (409, "rule_version_not_draft")
    url = f"{API}/rule-versions/{adopted.pk}/acknowledgements"
    assert c.post(url, {"households": [homes["0101"].pk]}, content_type=JSON).status_code == 201
    r = c.post(url, {"households": [homes["0101"].pk]}, content_type=JSON)
    assert (r.status_code, r.json()["message"]) == (409, "0101户已签订，不能重复登记")
    assert Acknowledgement.objects.count() == 1


def test_api_scope_404_for_another_village(
    persona: Callable[[str], User], adopted: RuleVersion, homes: dict[str, Household]
) -> None:
    other = _client(persona("另一村的村干部"))
    assert other.get(f"{API}/rules").json()["count"] == 0
    assert other.get(f"{API}/rules/{adopted.rule_id}").status_code == 404
    assert other.get(f"{API}/rule-versions/{adopted.pk}").status_code == 404
    assert other.get(f"{API}/rule-versions/{adopted.pk}/coverage").status_code == 404
    assert other.patch(f"{API}/rule-versions/{adopted.pk}", {"title": "改"},
                       content_type=JSON).status_code == 404  # fmt: skip
    assert other.post(f"{API}/rule-versions/{adopted.pk}/adopt", ADOPT,
                      content_type=JSON).status_code == 404  # fmt: skip
    assert other.post(f"{API}/rule-versions/{adopted.pk}/acknowledgements",
                      {"households": [homes["0101"].pk]},
                      content_type=JSON).status_code == 404  # fmt: skip
    assert other.post(f"{API}/rules", {"village": "430423100224", "kind": "civility"},
                      content_type=JSON).status_code == 404  # fmt: skip
    assert not Acknowledgement.objects.exists()


def test_api_villager_confirms_own_household_only(
    villager: User, adopted: RuleVersion, homes: dict[str, Household]
) -> None:
    c = _client(villager)
    url = f"{API}/rule-versions/{adopted.pk}/acknowledgements"
    r = c.post(url, {"households": [homes["0101"].pk]}, content_type=JSON)
    assert r.status_code == 404  # a villager ticks no one else's household
    r = c.post(url, {}, content_type=JSON)
    assert r.status_code == 201
    assert [(a["number"], a["way"]) for a in r.json()] == [("0201", "phone")]
    r = c.post(url, {}, content_type=JSON)
    assert (r.status_code, r.json()["message"]) == (409, "您家已签订，不能重复确认")
    assert c.get(f"{API}/rules").status_code == 403
    assert Acknowledgement.objects.count() == 1
