"""Fixtures shared by the tests of the monitoring app (each part may add its own, kept small)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.monitoring.models import Category, MonitoredHousehold, RiskType
from cunwu.monitoring.services.households import monitoring_enter
from cunwu.registry.models import Household


def enter(
    household: Household,
    *,
    category: str = Category.SUDDEN,
    risks: tuple[str, ...] = (RiskType.ILLNESS,),
    on: date | None = None,
) -> MonitoredHousehold:
    """``household`` as a monitored household (as if the county had approved its case)."""
    return monitoring_enter(
        actor=None,
        household=household,
        category=category,
        risk_types=list(risks),
        on=on or timezone.localdate(),
    )


@pytest.fixture
def monitored(household: Household) -> MonitoredHousehold:
    """九龙村 0001 (张三's household), 突发严重困难户 因病, entered today."""
    return enter(household)


@pytest.fixture
def cadre(persona: Callable[[str], User]) -> User:
    return persona("九龙村村干部")


@pytest.fixture
def kaiyun_staff(persona: Callable[[str], User]) -> User:
    return persona("开云镇干部")


@pytest.fixture
def county_admin(persona: Callable[[str], User]) -> User:
    return persona("衡山县管理员")


@pytest.fixture
def outsider(persona: Callable[[str], User]) -> User:
    """另一村的村干部 (沿江村, 衡南县): sees nothing of 九龙村."""
    return persona("另一村的村干部")
