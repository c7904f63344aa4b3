"""惠民资金 over the API: the public query (no credentials, masked, rate-limited, JSON errors),
the staff import by multipart upload with row/column errors, scoped lists, publication into the
committee's sign-off and reversal."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from cunwu.accounts.models import User
from cunwu.api.tests.conftest import ApiClient
from cunwu.core.models import Region
from cunwu.disclosure import services_benefit
from cunwu.disclosure.models import BenefitBatch, BenefitPayment, Notice, NoticeStatus
from cunwu.testing import JIULONG, make_id_number

Api = Callable[[str], ApiClient]
ZHANG = make_id_number(1)
LI = make_id_number(2)
HEADER = "姓名,公民身份号码,金额（元）,发放日期"
GOOD = f"{HEADER}\n张三,{ZHANG},1234.50,2026-01-15\n李四,{LI},800,2026-01-15\n".encode()


@pytest.fixture
def batch(persona: Callable[[str], User], jiulong: Region) -> BenefitBatch:
    result = services_benefit.benefit_import(
        actor=persona("九龙村村干部"), village=jiulong, item="低保金", file_name="a.csv",
        data=GOOD,
    )  # fmt: skip
    assert result.batch is not None
    return result.batch


def _query(body: Any, client: Client | None = None) -> Any:
    client = client or Client(raise_request_exception=False)
    return client.post(
        "/api/v1/public/benefits/query",
        json.dumps(body) if not isinstance(body, str) else body,
        content_type="application/json",
    )


def _upload(api: ApiClient, data: bytes, village: str = JIULONG, name: str = "名单.csv") -> Any:
    upload = io.BytesIO(data)
    upload.name = name
    return api.client.post(
        "/api/v1/benefits/batches",
        {"village": village, "item": "耕地地力保护补贴", "file": upload},
        headers=api.headers,
    )


def test_public_query_answers_masked_rows_without_the_id(batch: BenefitBatch) -> None:
    response = _query({"name": "张三", "id_tail": ZHANG[-6:].lower()})
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "count": 1, "total_fen": 123_450, "message": "共1笔，合计1,234.50元",
        "items": [{
            "name": "张*", "item": "低保金", "amount_fen": 123_450, "amount_yuan": "1,234.50",
            "paid_on": "2026-01-15", "village_name": "九龙村委会",
        }],
    }  # fmt: skip
    assert ZHANG not in response.content.decode()
    miss = _query({"name": "张三", "id_tail": "000000"}).json()
    assert miss == {"count": 0, "total_fen": 0, "message": "未查询到发放记录", "items": []}
    assert _query({"name": "王五", "id_tail": "000000"}).json() == miss


def test_public_query_refuses_junk_with_json_errors(regions: dict[str, Region]) -> None:
    bad_tail = _query({"name": "张三", "id_tail": "12"})
    assert bad_tail.status_code == 400
    assert bad_tail.json()["field"] == "id_tail" and "后6位" in bad_tail.json()["message"]
    assert _query({"name": "", "id_tail": "123456"}).json()["field"] == "name"
    assert _query({"name": "a\x00", "id_tail": "123456"}).status_code == 422
    assert _query("not json").status_code in {400, 422}
    assert _query({"name": "张" * 51, "id_tail": "123456"}).status_code == 422


def test_public_query_is_rate_limited(regions: dict[str, Region]) -> None:
    client = Client(raise_request_exception=False)
    statuses = [
        _query({"name": "张三", "id_tail": f"{n:06d}"}, client).status_code for n in range(11)
    ]
    assert statuses == [200] * 10 + [429]
    limited = _query({"name": "张三", "id_tail": "000000"}, client)
    assert limited.json()["code"] == "rate_limited" and "操作过于频繁" in limited.json()["message"]
    assert limited["Retry-After"]


def test_import_over_the_api_and_its_row_errors(api_as: Api, jiulong: Region) -> None:
    cadre = api_as("九龙村村干部")
    refused = _upload(cadre, f"{HEADER}\n张三,{ZHANG[:17]}0,abc,2026-01-15\n".encode())
    assert refused.status_code == 422
    body = refused.json()
    assert body["code"] == "benefit_rows" and body["field"] == "file"
    assert [(e["row"], e["column"]) for e in body["errors"]] == [
        (2, "公民身份号码"),
        (2, "金额（元）"),
    ]
    assert ZHANG not in refused.content.decode()
    assert not BenefitBatch.objects.exists()
    created = _upload(cadre, GOOD)
    assert created.status_code == 201
    out = created.json()
    assert (out["row_count"], out["total_fen"], out["village"], out["notice"]) == (
        2,
        203_450,
        JIULONG,
        None,
    )
    assert _upload(api_as("另一村的村干部"), GOOD).status_code == 403
    assert _upload(cadre, GOOD, name="a.pdf").json()["message"] == "只能上传xlsx或csv文件"
    assert _upload(cadre, GOOD, village="999999999999").status_code == 404


def test_lists_are_scoped_and_masked(api_as: Api, batch: BenefitBatch) -> None:
    cadre = api_as("九龙村村干部")
    batches = cadre.get("/benefits/batches").json()
    assert (batches["count"], batches["items"][0]["id"]) == (1, batch.pk)
    payments = cadre.get("/benefits/payments", batch=batch.pk).json()
    assert [(p["name"], p["id_masked"]) for p in payments["items"]] == [
        ("李四", LI[:6] + "********" + LI[-4:]),
        ("张三", ZHANG[:6] + "********" + ZHANG[-4:]),
    ]
    assert cadre.get("/benefits/payments", q=ZHANG).json()["count"] == 1
    assert ZHANG not in json.dumps(payments)
    outsider = api_as("另一村的村干部")
    assert outsider.get(f"/benefits/batches/{batch.pk}").status_code == 404
    assert outsider.get("/benefits/batches").json()["count"] == 0
    assert outsider.get("/benefits/payments").json()["count"] == 0
    assert (
        outsider.post(f"/benefits/batches/{batch.pk}/publish", {"period_days": 7}).status_code
        == 404
    )
    pk = payments["items"][1]["id"]
    assert outsider.post(f"/benefits/payments/{pk}/reverse", {"reason": "x"}).status_code == 404
    assert api_as("九龙村村民").get("/benefits/batches").json()["count"] == 0


def test_publish_goes_to_signoff_and_reverse_over_the_api(api_as: Api, batch: BenefitBatch) -> None:
    cadre = api_as("九龙村村干部")
    zhang = BenefitPayment.objects.get(batch=batch, name="张三")
    reversed_ = cadre.post(f"/benefits/payments/{zhang.pk}/reverse", {"reason": "重复"})
    assert reversed_.status_code == 201
    assert (reversed_.json()["amount_fen"], reversed_.json()["reverses"]) == (-123_450, zhang.pk)
    again = cadre.post(f"/benefits/payments/{zhang.pk}/reverse", {"reason": "重复"})
    assert (again.status_code, again.json()["message"]) == (409, "该记录已冲销")
    assert (
        api_as("九龙村监委会委员")
        .post(f"/benefits/batches/{batch.pk}/publish", {"period_days": 7})
        .status_code
        == 403
    )
    published = cadre.post(f"/benefits/batches/{batch.pk}/publish", {"period_days": 7})
    assert published.status_code == 201
    assert published.json()["status"] == NoticeStatus.PENDING_SIGNOFF
    notice = Notice.objects.get(pk=published.json()["notice"])
    assert [row[1] for row in notice.rows] == ["李四"]
    twice = cadre.post(f"/benefits/batches/{batch.pk}/publish", {"period_days": 7})
    assert twice.status_code == 409
    assert (
        cadre.post(f"/benefits/batches/{batch.pk}/publish", {"period_days": 99}).status_code == 422
    )


def test_list_endpoints_have_a_bounded_query_count(
    api_as: Api, persona: Callable[[str], User], jiulong: Region,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:  # fmt: skip
    cadre = api_as("九龙村村干部")
    user = persona("九龙村村干部")

    def fill(n: int, item: str) -> None:
        lines = "".join(
            f"王{'一二三四五六七八九十'[i % 10]}{'甲乙丙丁戊'[i // 10]},"
            f"{make_id_number(i, birth='19700101')},10,2026-01-05\n"
            for i in range(n)
        )
        result = services_benefit.benefit_import(
            actor=user, village=jiulong, item=item, file_name="a.csv",
            data=(HEADER + "\n" + lines).encode(),
        )  # fmt: skip
        assert result.batch is not None

    fill(5, "甲")
    cadre.get("/benefits/payments")
    with django_assert_max_num_queries(10) as five:
        assert cadre.get("/benefits/payments").json()["count"] == 5
    fill(40, "乙")
    with django_assert_max_num_queries(len(five.captured_queries)):
        assert cadre.get("/benefits/payments").json()["count"] == 45
    with django_assert_max_num_queries(len(five.captured_queries)):
        assert cadre.get("/benefits/batches").json()["count"] == 2
