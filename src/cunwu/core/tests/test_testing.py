"""The test support's dates: a parametrize list's days from today, and a test's fixed day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cunwu.testing import FromToday, dated


def test_dated_turns_days_from_today_into_dates_and_keeps_the_rest() -> None:
    today = timezone.localdate()
    values = {"on": FromToday(1), "until": FromToday(-30), "note": "x", "n": 3}
    assert dated(values) == {
        "on": today + timedelta(days=1),
        "until": today - timedelta(days=30),
        "note": "x",
        "n": 3,
    }


@pytest.mark.today(date(2028, 2, 29))
def test_a_marked_test_runs_on_its_day() -> None:
    now = timezone.localtime()
    assert now.date() == date(2028, 2, 29) and now.hour == 10
    assert dated({"on": FromToday(1)}) == {"on": date(2028, 3, 1)}
