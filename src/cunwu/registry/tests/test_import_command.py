"""`cunwu import households` and `cunwu export households|template`: output and exit status."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.db import connections
from python_calamine import CalamineWorkbook

from cunwu.accounts.models import User
from cunwu.core.models import AuditEvent, Region
from cunwu.registry.imports import HEADERS
from cunwu.registry.management.commands.export import Command as ExportCommand
from cunwu.registry.models import Person
from cunwu.testing import JIULONG, make_id_number

from .test_import_support import counts, row, write_csv

HEAD_ID = make_id_number(61, birth="19810808")


def _good(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "good.csv",
        [
            row(户编号="2001", 姓名="刘一", 与户主关系="户主", 公民身份号码=HEAD_ID),
            row(户编号="2001", 姓名="刘二", 与户主关系="子", 暂无身份证号原因="未办理"),
        ],
    )


def _bad(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "bad.csv",
        [
            row(户编号="2002", 姓名="", 与户主关系="户主", 公民身份号码=HEAD_ID),
            row(户编号="2003", 姓名="陈一", 与户主关系="配偶", 公民身份号码=HEAD_ID),
        ],
    )


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_command_imports_as_the_system(tmp_path: Path, jiulong: Region) -> None:
    out, _err = _run("import", "households", str(_good(tmp_path)), "--village", JIULONG)
    assert out == "衡山县开云镇九龙村委会：已导入1户，2人\n"
    assert counts() == (1, 2, 2, 2)
    assert set(AuditEvent.objects.values_list("actor", "actor_name")) == {(None, "系统")}


def test_dry_run_checks_and_writes_nothing(tmp_path: Path, jiulong: Region) -> None:
    out, _err = _run(
        "import", "households", str(_good(tmp_path)), "--village", JIULONG, "--dry-run"
    )
    assert out == "衡山县开云镇九龙村委会：校验通过，可导入1户，2人\n"
    assert counts() == (0, 0, 0, 0)


def test_errors_exit_non_zero_with_a_report_next_to_the_file(
    tmp_path: Path, jiulong: Region
) -> None:
    path = _bad(tmp_path)
    err = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command(
            "import", "households", str(path), "--village", JIULONG, stderr=err, stdout=StringIO()
        )
    report = tmp_path / "bad.csv.errors.xlsx"
    assert str(exc.value) == f"发现3处错误，未导入任何数据；完整错误报告：{report}"
    assert err.getvalue().splitlines() == [
        "第2行【姓名】姓名不能为空",
        "第3行【与户主关系】户2003没有户主（须有一名成员的“与户主关系”填“户主”）",
        "第3行【公民身份号码】与第2行的公民身份号码重复",
    ]
    rows = CalamineWorkbook.from_path(str(report)).get_sheet_by_index(0).to_python()
    assert [(int(r[0]), r[1]) for r in rows[1:]] == [
        (2, "姓名"),
        (3, "与户主关系"),
        (3, "公民身份号码"),
    ]
    assert counts() == (0, 0, 0, 0)


def test_exit_status_is_1_on_errors_and_0_on_success(
    tmp_path: Path,
    jiulong: Region,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    command = load_command_class("cunwu.registry", "import")
    # run_from_argv closes the connections when done; the test's transaction must survive
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exc:
        command.run_from_argv(
            ["cunwu", "import", "households", str(_bad(tmp_path)), "--village", JIULONG]
        )
    assert exc.value.code == 1
    assert "CommandError: 发现3处错误" in capsys.readouterr().err
    command = load_command_class("cunwu.registry", "import")
    command.run_from_argv(
        ["cunwu", "import", "households", str(_good(tmp_path)), "--village", JIULONG]
    )
    assert Person.objects.count() == 2


@pytest.mark.parametrize(
    ("user", "message"),
    [
        ("另一村的村干部", "用户另一村的村干部没有权限导入九龙村委会"),
        ("九龙村监委会委员", "用户九龙村监委会委员没有权限导入九龙村委会"),
        ("nobody", "用户nobody不存在或已停用"),
    ],
)
def test_import_as_a_user_checks_the_users_permission(
    user: str,
    message: str,
    tmp_path: Path,
    persona: Callable[[str], User],
    jiulong: Region,
) -> None:
    persona("另一村的村干部")
    persona("九龙村监委会委员")
    with pytest.raises(CommandError) as exc:
        _run("import", "households", str(_good(tmp_path)), "--village", JIULONG, "--user", user)
    assert str(exc.value) == message
    assert counts() == (0, 0, 0, 0)


def test_import_as_village_staff_records_the_user(
    tmp_path: Path, staff: User, jiulong: Region
) -> None:
    _run(
        "import", "households", str(_good(tmp_path)), "--village", JIULONG, "--user", staff.username
    )
    assert set(AuditEvent.objects.values_list("actor", flat=True)) == {staff.pk}


def test_bad_arguments_are_chinese_errors(tmp_path: Path, jiulong: Region) -> None:
    with pytest.raises(CommandError, match="找不到文件"):
        _run("import", "households", str(tmp_path / "none.csv"), "--village", JIULONG)
    with pytest.raises(CommandError, match="区划代码123不存在"):
        _run("import", "households", str(_good(tmp_path)), "--village", "123")
    with pytest.raises(CommandError, match="户只能导入到村"):
        _run("import", "households", str(_good(tmp_path)), "--village", "430423100000")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="文件是空的"):
        _run("import", "households", str(empty), "--village", JIULONG)


def test_export_command_masks_for_a_user_without_full_id(
    tmp_path: Path, staff: User, persona: Callable[[str], User], jiulong: Region
) -> None:
    _run("import", "households", str(_good(tmp_path)), "--village", JIULONG)
    supervisor = persona("九龙村监委会委员")
    out, _err = _run(
        "export", "households", "--region", JIULONG, "-o", str(tmp_path / "o.xlsx"),
        "--user", supervisor.username,
    )  # fmt: skip
    expected = "已导出衡山县开云镇九龙村委会：1户，2人（身份证号和电话已脱敏）"
    assert out == f"{expected} → {tmp_path / 'o.xlsx'}\n"
    rows = CalamineWorkbook.from_path(str(tmp_path / "o.xlsx")).get_sheet_by_index(0).to_python()
    assert rows[1][6] == HEAD_ID[:6] + "********" + HEAD_ID[-4:]
    with pytest.raises(CommandError, match="没有权限导出"):
        _run(
            "export", "households", "--region", JIULONG, "-o", str(tmp_path / "x.xlsx"),
            "--user", persona("另一村的村干部").username,
        )  # fmt: skip


def test_export_template_command(tmp_path: Path) -> None:
    out = StringIO()
    call_command(ExportCommand(), "template", "-o", str(tmp_path / "t.xlsx"), stdout=out)
    sheet = CalamineWorkbook.from_path(str(tmp_path / "t.xlsx")).get_sheet_by_index(0)
    assert sheet.to_python()[0] == list(HEADERS)
