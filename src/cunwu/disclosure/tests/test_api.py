from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from cunwu.api.tests.conftest import ApiClient
from cunwu.core.models import Region
from cunwu.disclosure.models import Notice, NoticeStatus, Objection
from cunwu.testing import JIULONG, make_id_number

NOTICE = {
    "region": JIULONG,
    "category": "benefit",
    "title": "2026年第四季度临时救助资金发放公示",
    "body": "<p>经审核，以下对象符合临时救助条件。</p><script>x()</script>",
    "table": {
        "columns": ["姓名", "身份证号", "金额（元）"],
        "rows": [["李四", make_id_number(2, birth="19720304"), 1500]],
    },
    "period": {"days": 5, "unit": "working"},
}


def test_cadre_drafts_submits_and_the_committee_signs_off(
    api_as: Callable[[str], ApiClient], jiulong: Region
) -> None:
    cadre = api_as("九龙村村干部")
    created = cadre.post("/notices", NOTICE)
    assert created.status_code == 201, created.json()
    notice = created.json()
    assert notice["status"] == "draft"
    assert notice["body"] == "<p>经审核，以下对象符合临时救助条件。</p>"
    assert notice["table"]["rows"] == [
        ["李四", make_id_number(2, birth="19720304")[:6] + "********"
         + make_id_number(2, birth="19720304")[-4:], "1500"]
    ]  # fmt: skip
    submitted = cadre.post(f"/notices/{notice['id']}/submit")
    assert submitted.json()["status"] == "pending_signoff"
    refused = cadre.post(f"/notices/{notice['id']}/signoff", {"approve": True})
    assert refused.status_code == 403
    committee = api_as("九龙村监委会委员")
    signed = committee.post(f"/notices/{notice['id']}/signoff", {"approve": True, "note": "同意"})
    assert signed.status_code == 200
    body = signed.json()
    assert body["status"] == "published"
    assert body["period_end"] is not None
    assert len(body["audit_hash"]) == 64
    again = committee.post(f"/notices/{notice['id']}/signoff", {"approve": True})
    assert again.status_code == 409
    assert again.json()["code"] == "notice_state"


def test_outside_scope_is_not_found_and_bad_input_changes_nothing(
    api_as: Callable[[str], ApiClient], jiulong: Region
) -> None:
    cadre = api_as("九龙村村干部")
    notice = cadre.post("/notices", NOTICE).json()
    other = api_as("另一村的村干部")
    assert other.get(f"/notices/{notice['id']}").status_code == 404
    assert other.post(f"/notices/{notice['id']}/submit").status_code == 404
    assert other.post("/notices", NOTICE).status_code == 404  # not its village
    ill = {**NOTICE, "table": {"columns": ["姓名", "所患疾病"], "rows": [["李四", "x"]]}}
    bad = cadre.post("/notices", ill)
    assert bad.status_code == 400
    assert bad.json()["code"] == "table_illness"
    long_period = cadre.post("/notices", {**NOTICE, "period": {"days": 99}})
    assert long_period.status_code == 422
    assert Notice.objects.count() == 1


def test_public_api_needs_no_token_and_shows_only_published_notices(
    api_as: Callable[[str], ApiClient], jiulong: Region
) -> None:
    cadre = api_as("九龙村村干部")
    draft = cadre.post("/notices", {**NOTICE, "category": "village"}).json()
    public = Client()
    assert public.get(f"/api/v1/public/notices/{draft['id']}").status_code == 404
    cadre.post(f"/notices/{draft['id']}/submit")
    listed = public.get(f"/api/v1/public/regions/{JIULONG}/notices").json()
    assert [n["id"] for n in listed["items"]] == [draft["id"]]
    shown = public.get(f"/api/v1/public/notices/{draft['id']}").json()
    assert make_id_number(2, birth="19720304") not in str(shown)
    made = public.post(
        f"/api/v1/public/notices/{draft['id']}/objections",
        {"text": "金额有误", "phone": "13700001111"},
        content_type="application/json",
    )
    assert made.status_code == 201
    code = made.json()["code"]
    tracked = public.get(f"/api/v1/public/objections/{code}").json()
    assert tracked["status"] == "pending"
    assert "phone" not in tracked
    committee = api_as("九龙村监委会委员")
    objection = Objection.objects.get(code=code)
    handled = committee.post(
        f"/objections/{objection.pk}/handle", {"upheld": False, "outcome": "金额无误"}
    )
    assert handled.json()["status"] == "rejected"
    assert handled.json()["phone"] == "137****1111"
    assert public.get(f"/api/v1/public/objections/{code}").json()["outcome"] == "金额无误"


@pytest.mark.parametrize("name", ["九龙村村民", "九龙村工作队员", "衡山县部门用户"])
def test_roles_without_publishing_rights_get_403(
    api_as: Callable[[str], ApiClient], name: str, jiulong: Region
) -> None:
    response = api_as(name).post("/notices", NOTICE)
    assert response.status_code in {403, 404}
    assert Notice.objects.count() == 0


def test_withdraw_via_api(api_as: Callable[[str], ApiClient], jiulong: Region) -> None:
    cadre = api_as("九龙村村干部")
    notice = cadre.post("/notices", {**NOTICE, "category": "party"}).json()
    cadre.post(f"/notices/{notice['id']}/submit")
    empty = cadre.post(f"/notices/{notice['id']}/withdraw", {"reason": "   "})
    assert empty.status_code == 400
    done = cadre.post(f"/notices/{notice['id']}/withdraw", {"reason": "名单有误"})
    assert done.json()["status"] == NoticeStatus.WITHDRAWN
