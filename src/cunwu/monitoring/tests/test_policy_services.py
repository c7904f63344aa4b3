"""The yearly policy (监测标准): a county row wins over the province row field by field, the
default stands in (and says so) when no line is entered; validation; permissions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent, Region
from cunwu.monitoring.models import MonitoringPolicy
from cunwu.monitoring.policy import policy_for
from cunwu.monitoring.services.screening import policy_set

HENGSHAN = "430423000000"
HUNAN = "430000000000"


@pytest.fixture
def root(db: None) -> User:
    return User.objects.create_superuser(username="root", password="x")


def test_default_stands_in_when_no_line_is_entered(jiulong: Region) -> None:
    policy = policy_for(jiulong, 2024)
    assert policy.income_threshold_fen == 850_000
    assert policy.defaulted
    assert policy_for(jiulong, 2030).income_threshold_fen == 850_000


def test_county_row_wins_over_province_row_field_by_field(
    regions: dict[str, Region], root: User, persona: Callable[[str], User], jiulong: Region
) -> None:
    county_admin = persona("衡山县管理员")
    policy_set(actor=root, region=regions[HUNAN], year=2024, income_threshold_fen=800_000,
               income_drop_percent=40)  # fmt: skip
    policy_set(actor=county_admin, region=regions[HENGSHAN], year=2024, income_drop_percent=25)
    policy = policy_for(jiulong, 2024)
    assert policy.income_threshold_fen == 800_000
    assert policy.income_drop_percent == 25
    assert policy.sources["income_threshold_fen"] == HUNAN
    assert policy.sources["income_drop_percent"] == HENGSHAN
    assert not policy.defaulted
    # another year is untouched
    assert policy_for(jiulong, 2023).income_threshold_fen == 805_000


def test_policy_change_is_audited_with_old_and_new(
    regions: dict[str, Region], persona: Callable[[str], User]
) -> None:
    admin = persona("衡山县管理员")
    policy_set(actor=admin, region=regions[HENGSHAN], year=2025, income_threshold_fen=880_000)
    policy_set(actor=admin, region=regions[HENGSHAN], year=2025, income_threshold_fen=900_000)
    assert MonitoringPolicy.objects.get(region=HENGSHAN, year=2025).income_threshold_fen == 900_000
    event = AuditEvent.objects.filter(action="monitoring.policy_set").order_by("-pk").first()
    assert event is not None
    assert event.payload["changes"]["income_threshold_fen"] == [880_000, 900_000]


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("income_threshold_fen", 0, "policy_amount"),
        ("disclosure_days", 4, "policy_disclosure_days"),
        ("income_drop_percent", 0, "policy_percent"),
        ("income_drop_percent", 101, "policy_percent"),
        ("verify_workdays", 61, "policy_workdays"),
        ("verify_workdays", 0, "policy_workdays"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(
    regions: dict[str, Region], persona: Callable[[str], User], name: str, value: int, code: str
) -> None:
    with pytest.raises(ApplicationError) as exc:
        policy_set(actor=persona("衡山县管理员"), region=regions[HENGSHAN], year=2025,
                   **{name: value})  # fmt: skip
    assert exc.value.code == code
    assert exc.value.field == name
    assert not MonitoringPolicy.objects.exists()


def test_boundary_values_are_accepted(
    regions: dict[str, Region], persona: Callable[[str], User]
) -> None:
    row = policy_set(actor=persona("衡山县管理员"), region=regions[HENGSHAN], year=2025,
                     disclosure_days=5, income_drop_percent=100, verify_workdays=60)  # fmt: skip
    assert (row.disclosure_days, row.income_drop_percent, row.verify_workdays) == (5, 100, 60)


def test_a_county_admin_cannot_set_the_province_line(
    regions: dict[str, Region], persona: Callable[[str], User]
) -> None:
    with pytest.raises(PermissionDenied):
        policy_set(actor=persona("衡山县管理员"), region=regions[HUNAN], year=2025,
                   income_threshold_fen=1)  # fmt: skip


def test_township_staff_cannot_set_a_policy(
    regions: dict[str, Region], persona: Callable[[str], User]
) -> None:
    with pytest.raises(PermissionDenied):
        policy_set(actor=persona("开云镇干部"), region=regions[HENGSHAN], year=2025,
                   income_threshold_fen=1)  # fmt: skip


def test_a_line_is_set_by_a_county_or_province_only(root: User, jiulong: Region) -> None:
    with pytest.raises(ApplicationError) as exc:
        policy_set(actor=root, region=jiulong, year=2025, income_threshold_fen=1)
    assert exc.value.code == "policy_region"
