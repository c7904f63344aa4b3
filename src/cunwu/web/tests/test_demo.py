from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone

from cunwu.core.idnumber import validate_id_number
from cunwu.core.models import AuditEvent, Region
from cunwu.core.services.audit import audit_verify
from cunwu.disclosure.models import Notice, Objection
from cunwu.disclosure.models_feedback import CommitteeMember, Feedback, Problem
from cunwu.disclosure.models_lists import ListItem
from cunwu.disclosure.seed_lists import SEED
from cunwu.monitoring.models import (
    Case,
    MonitoredHousehold,
    PovertyExit,
    ScreeningRun,
    Visit,
)
from cunwu.points.models import PointAccount, PointEvent, RulebookVersion
from cunwu.points.services import ledger_mismatches
from cunwu.registry.models import Household, Person
from cunwu.registry.services import person_id_number
from cunwu.store.models import Goods, Redemption
from cunwu.store.selectors import stock_mismatches
from cunwu.web import demo, demo_assets


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


@pytest.fixture
def small_demo(regions: dict[str, Region], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "HOUSEHOLDS_PER_VILLAGE", 6)


def test_demo_load_creates_seven_villages_and_one_user_per_role(small_demo: None) -> None:
    created = demo.demo_load()
    assert created == {
        "households": 42, "users": 7, "notices": 4, "point_events": 7, "goods": 6, "assets": 9,
        "monitoring_cases": 4, "village": 33,
    }  # fmt: skip
    statuses = dict(Notice.objects.exclude(category="monitoring").values_list("title", "status"))
    # the demo's books: the month before last is closed (dates follow the day of loading)
    closed = demo_assets.month_start(timezone.localdate(), 2)
    assert statuses == {
        "2026年第三季度村务公开": "published",
        "2026年度耕地地力保护补贴发放名单公示": "published",
        "关于拟确定发展对象的公示": "published",
        "2026年10月财务收支公开": "pending_signoff",
        "九龙村2026年11月积分公示": "published",
        # 三资: the closed month's statement waits for the committee; the land contract is public
        f"九龙村{closed.year}年{closed.month}月集体资金收支明细公开": "pending_signoff",
        "九龙村委会集体资产资源合同公开：九龙村集体机动地承包合同": "published",
        # 乡村治理: this year's 文明户 candidates in their 公示
        f"九龙村委会{timezone.localdate().year}年度文明户评选拟表彰名单公示": "published",
        # the results of a 屋场恳谈会, and the 村规民约 adopted by the 村民会议
        "第一村民小组屋场恳谈会结果公开：村道硬化和投工投劳": "published",
        "九龙村委会村规民约（第1版）公布": "published",
    }
    assert Objection.objects.filter(status="pending").count() == 1
    # monitoring: one household identified through every step (its 公示 passed), one in 公示,
    # one at 民主评议, one application waiting for its home visit
    monitoring_notices = Notice.objects.filter(category="monitoring")
    assert sorted(monitoring_notices.values_list("status", flat=True)) == ["passed", "published"]
    assert sorted(Case.objects.values_list("stage", "outcome")) == [
        ("appraise", "open"), ("disclose", "open"), ("done", "approved"), ("verify", "open"),
    ]  # fmt: skip
    monitored = MonitoredHousehold.objects.get()
    assert (monitored.category, monitored.state, monitored.cadre.username) == (
        "sudden", "at_risk", "gongzuodui",
    )  # fmt: skip
    assert monitored.measures.count() == 2 and PovertyExit.objects.count() == 2
    assert Visit.objects.count() == 3 and ScreeningRun.objects.get().status == "done"
    assert CommitteeMember.objects.count() == 3
    assert sorted(Feedback.objects.filter(meeting_opinion=None).values_list("kind", "status")) == [
        ("complaint", "pending"),
        ("question", "replied"),
    ]
    # the two opinions raised at the 屋场恳谈会 wait for their owner
    assert (
        sorted(Feedback.objects.exclude(meeting_opinion=None).values_list("kind", "status"))
        == [("suggestion", "pending")] * 2
    )
    # the committee's inspection found one; the contract checks two on the pond's lease
    assert sorted(Problem.objects.values_list("source_type", flat=True)) == [
        "assets.contract", "assets.contract", "disclosure.inspection",
    ]  # fmt: skip
    # points: opening balances for 九龙村's households, November's events at each stage
    assert PointAccount.objects.filter(village_id="430423100224").count() == 6
    assert RulebookVersion.objects.filter(status="effective").count() == 2  # template, 九龙村
    assert sorted(PointEvent.objects.values_list("status", flat=True)) == (
        ["disclosing"] * 4 + ["proposed"] * 2 + ["rejected"]
    )
    # the store: stock after the donation, the purchase, a write-off and two redemptions
    assert dict(Goods.objects.values_list("name", "stock")) == {
        "大米（5公斤）": 39, "食用油（1.8升）": 30, "洗衣粉": 59, "毛巾": 78, "牙膏": 50,
        "酱油": 38,
    }  # fmt: skip
    assert sorted(Redemption.objects.values_list("total_points", flat=True)) == [10, 60]
    assert stock_mismatches() == []
    assert ledger_mismatches() == []
    assert ListItem.objects.filter(region_id="430423000000").count() == len(SEED) == 20
    per_village = dict(
        Household.objects.values_list("village__name").annotate(n=Count("pk")).order_by()
    )
    assert sorted(per_village.values()) == [6] * 7
    assert {u.role for u in demo.DEMO_USERS} == {
        "villager", "village_staff", "supervisor", "work_team", "township_staff",
        "county_admin", "department",
    }  # fmt: skip
    for spec in demo.DEMO_USERS:
        assert authenticate(username=spec.username, password=demo.DEMO_PASSWORD) is not None
        assert authenticate(username=spec.phone, password=demo.DEMO_PASSWORD) is not None
    for person in Person.objects.exclude(id_number_enc=""):
        number = person_id_number(person)
        assert validate_id_number(number) == number
        assert person.id_masked == number[:6] + "********" + number[-4:]
    assert Person.objects.filter(id_number_index=None).exclude(id_pending_reason="").count() == (
        Person.objects.filter(id_number_index=None).count()
    )
    assert audit_verify()[1] is None


def test_demo_load_twice_changes_nothing(
    small_demo: None, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("demo", "load")
    before = _row_counts()
    call_command("demo", "load")
    assert _row_counts() == before
    assert "演示数据已存在，未做改动" in capsys.readouterr().out
    assert AuditEvent.objects.count() == before["core.AuditEvent"]


def test_demo_is_refused_under_production_settings(small_demo: None) -> None:
    with override_settings(CUNWU_DEMO_ALLOWED=False), pytest.raises(CommandError, match="生产"):
        call_command("demo", "load")
    assert not Household.objects.exists()


def test_demo_logins_lists_every_role(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo", "logins")
    out = capsys.readouterr().out
    assert demo.DEMO_PASSWORD in out
    for spec in demo.DEMO_USERS:
        assert spec.username in out
