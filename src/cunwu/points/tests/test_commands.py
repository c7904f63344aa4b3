"""``cunwu points check`` and ``cunwu points reset``."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.points.models import LedgerEntry, PointAccount, Rulebook, RuleItem
from cunwu.registry.models import Household
from cunwu.testing import JIULONG, KAIYUN, YANJIANG

from .conftest import ON_THE_DAY
from .support import earn, reviewer

pytestmark = ON_THE_DAY

__all__ = ["reviewer"]

Items = Callable[[str], RuleItem]


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("points", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def posted(staff: User, reviewer: User, household: Household, item: Items) -> PointAccount:
    earn(staff, reviewer, [(household, item("B01"), date(2026, 3, 10), 4)])
    return PointAccount.objects.get(household=household)


def test_check_passes_when_the_figures_equal_the_ledger(posted: PointAccount) -> None:
    assert "一致" in _run("check")
    assert "一致" in _run("check", "--region", KAIYUN)


def test_check_fails_listing_an_account_that_drifted(posted: PointAccount) -> None:
    PointAccount.objects.filter(pk=posted.pk).update(available=99)
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 户积分账户与流水合计不一致"):
        call_command("points", "check", "--region", JIULONG, stdout=out)
    assert "户0001：账户累计4、可用99，流水合计累计4、可用4" in out.getvalue()
    assert "一致" in _run("check", "--region", YANJIANG)  # another county's accounts only
    with pytest.raises(CommandError, match="不存在"):
        _run("check", "--region", "999999999999")


def test_reset_zeroes_available_points_of_a_past_year_once(
    posted: PointAccount, jiulong: Region
) -> None:
    with pytest.raises(CommandError, match="未规定可用积分每年清零"):
        _run("reset", "--village", JIULONG, "--year", "2025")
    Rulebook.objects.filter(region=jiulong).update(reset_yearly=True)
    assert "1 户" in _run("reset", "--village", JIULONG, "--year", "2025")
    posted.refresh_from_db()
    assert (posted.cumulative, posted.available) == (4, 0)
    assert LedgerEntry.objects.filter(kind="reset").count() == 1
    with pytest.raises(CommandError, match="已经清零"):
        _run("reset", "--village", JIULONG, "--year", "2025")
    with pytest.raises(CommandError, match="只能清零已经结束的年度"):
        _run("reset", "--village", JIULONG, "--year", "2099")
    with pytest.raises(CommandError, match="不存在"):
        _run("reset", "--village", KAIYUN, "--year", "2024")


def test_reset_as_a_named_user_needs_the_review_permission(
    posted: PointAccount, jiulong: Region, persona: Callable[[str], User]
) -> None:
    Rulebook.objects.filter(region=jiulong).update(reset_yearly=True)
    persona("另一村的村干部")
    with pytest.raises(CommandError, match="没有权限"):
        _run("reset", "--village", JIULONG, "--year", "2025", "--user", "另一村的村干部")
    persona("九龙村村干部")
    assert "1 户" in _run("reset", "--village", JIULONG, "--year", "2025", "--user", "九龙村村干部")
