"""``cunwu monitoring_screen`` and ``cunwu monitoring_import``."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.monitoring.models import Alert
from cunwu.monitoring.tests.test_screening_services import home
from cunwu.registry.models import Household
from cunwu.testing import make_id_number


def test_screen_command_prints_new_alerts(staff: User, jiulong: Region) -> None:
    home(staff, jiulong, 11, 1, y2024=100)
    out = StringIO()
    call_command("monitoring_screen", "--region", "430423100000", "--year", "2024", stdout=out)
    assert "新增预警1条" in out.getvalue()
    assert "人均纯收入低于监测标准：1" in out.getvalue()
    call_command("monitoring_screen", "--region", "430423100000", "--year", "2024",
                 stdout=StringIO())  # fmt: skip
    assert Alert.objects.count() == 1


def test_screen_command_checks_the_user(
    persona: Callable[[str], User], regions: dict[str, Region]
) -> None:
    persona("九龙村村干部")
    with pytest.raises(CommandError):
        call_command("monitoring_screen", "--region", "430423100000", "--year", "2024",
                     "--user", "九龙村村干部")  # fmt: skip


def test_import_command_writes_the_report(
    tmp_path: Path, household: Household, persona: Callable[[str], User]
) -> None:
    user = persona("衡山县部门用户")
    path = tmp_path / "民政.csv"
    path.write_text("姓名,公民身份号码,救助类型,开始日期\n"
                    f"张三,{make_id_number(1, birth='19700101')},低保,2025-03-01\n"
                    "王五,123,低保,2025-03-01\n", encoding="utf-8")  # fmt: skip
    out = StringIO()
    call_command("monitoring_import", str(path), "--department", "civil", "--region",
                 "430423000000", "--user", user.username, stdout=out)  # fmt: skip
    assert "匹配1" in out.getvalue()
    assert (tmp_path / "民政.csv.errors.xlsx").exists()
    assert Alert.objects.count() == 1
