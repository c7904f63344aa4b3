"""``cunwu points check [--region CODE]``: compare every account's two figures with the sums of
its ledger rows; exit 1 listing those that differ (nightly, by cron or a systemd timer).

``cunwu points reset --village CODE --year YYYY``: 年度清零 of available points for a village
whose rulebook says so (cumulative points stay); once per year, the command line acting as the
system unless ``--user`` names the cadre who asked for it.

``cunwu points opening FILE --village CODE --as-of YYYY-MM-DD [--dry-run] [--user]``: 期初结转
from a filled-in template (xlsx or csv: 户编号, 户主姓名, 累计积分, 可用积分); every row is checked
first and nothing is booked unless all pass (exit 1 listing each error with its row and column).

``cunwu points template --region CODE --user USERNAME``: a township or county publishes the
built-in default template (five categories, 38 items) in the name of one of its staff."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region, RegionLevel, code_prefix
from cunwu.points.opening import describe, rows_from_path
from cunwu.points.services import (
    available_reset,
    ledger_mismatches,
    opening_balances_import,
    template_publish_default,
)


class Command(BaseCommand):
    help = (
        "积分制：check 核对积分账户与流水合计，reset 年度清零可用积分，"
        "opening 从纸质台账结转期初积分，template 发布默认细则模板"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="核对各户累计、可用积分是否等于流水合计")
        check.add_argument("--region", default="", help="只核对该区划（12位代码）以内")
        reset = sub.add_parser("reset", help="年度清零：某村某年度结束时的可用积分清零")
        reset.add_argument("--village", required=True, help="村的区划代码（12位）")
        reset.add_argument("--year", type=int, required=True, help="已经结束的年度，如 2025")
        reset.add_argument("--user", default="", help="经办的村干部用户名（默认以系统名义）")
        opening = sub.add_parser("opening", help="期初结转：从纸质台账表格导入各户期初积分")
        opening.add_argument("file", help="xlsx或csv文件：户编号、户主姓名、累计积分、可用积分")
        opening.add_argument("--village", required=True, help="村的区划代码（12位）")
        opening.add_argument("--as-of", required=True, help="结转日期，如 2026-10-31")
        opening.add_argument("--dry-run", action="store_true", help="只校验，不结转")
        opening.add_argument("--user", default="", help="经办的村干部用户名（默认以系统名义）")
        template = sub.add_parser("template", help="乡镇、县发布默认细则模板（五类38项）")
        template.add_argument("--region", required=True, help="乡镇或县的区划代码（12位）")
        template.add_argument("--user", required=True, help="经办的乡镇、县干部用户名")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            action = options["action"]
            if action == "check":
                self._check(options["region"].strip())
            elif action == "reset":
                self._reset(options["village"].strip(), options["year"], options["user"])
            elif action == "opening":
                self._opening(options)
            else:
                self._template(options["region"].strip(), options["user"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        except PermissionDenied as exc:
            what = {"reset": "为该村清零", "opening": "为该村结转期初积分"}.get(
                options["action"], "发布该区划的细则模板"
            )
            raise CommandError(f"用户{options.get('user')}没有权限{what}") from exc

    def _check(self, code: str) -> None:
        prefix = ""
        if code:
            region = Region.objects.filter(code=code).first()
            if region is None:
                raise CommandError(f"区划“{code}”不存在")
            prefix = code_prefix(region.code, region.level)
        wrong = ledger_mismatches(prefix=prefix)
        if not wrong:
            self.stdout.write("积分账户与流水合计一致")
            return
        for account, cumulative, available in wrong:
            self.stdout.write(
                f"{account.village_id} 户{account.household.number}：账户累计{account.cumulative}、"
                f"可用{account.available}，流水合计累计{cumulative}、可用{available}"
            )
        raise CommandError(f"{len(wrong)} 户积分账户与流水合计不一致")

    def _reset(self, code: str, year: int, username: str) -> None:
        village = Region.objects.filter(code=code, level=RegionLevel.VILLAGE).first()
        if village is None:
            raise CommandError(f"村“{code}”不存在")
        actor = _user(username)
        count = available_reset(actor=actor, village=village, year=year)
        self.stdout.write(f"{village.name}{year}年度可用积分已清零：{count} 户")

    def _opening(self, options: dict[str, Any]) -> None:
        code = options["village"].strip()
        village = Region.objects.filter(code=code, level=RegionLevel.VILLAGE).first()
        if village is None:
            raise CommandError(f"村“{code}”不存在")
        try:
            as_of = date.fromisoformat(options["as_of"].strip())
        except ValueError:
            raise CommandError("结转日期应写作 YYYY-MM-DD，如 2026-10-31") from None
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件“{path}”不存在")
        actor = _user(options["user"])
        rows = rows_from_path(path)
        result = opening_balances_import(
            actor=actor, village=village, rows=rows, as_of=as_of, dry_run=options["dry_run"]
        )
        if not result.ok:
            for error in result.errors:
                self.stdout.write(describe(error) + (f"：{error[3]}" if error[3] else ""))
            raise CommandError(f"发现{len(result.errors)}处错误，未结转任何积分")
        figures = f"{result.households} 户，累计积分{result.cumulative}，可用积分{result.available}"
        skipped = f"（{result.skipped} 户未填写积分，不结转）" if result.skipped else ""
        if result.booked:
            self.stdout.write(f"{village.name}已结转期初积分：{figures}{skipped}")
        else:
            self.stdout.write(f"校验通过，可结转：{figures}{skipped}")

    def _template(self, code: str, username: str) -> None:
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise CommandError(f"区划“{code}”不存在")
        version = template_publish_default(actor=_user(username), region=region)
        self.stdout.write(
            f"{region.name}已发布默认细则模板（第{version.number}版，{version.items.count()}项）"
        )


def _user(username: str) -> Any:
    """The user a command acts as, or None (the command line as the system)."""
    if not username:
        return None
    from cunwu.accounts.models import User

    actor = User.objects.filter(username=username, is_active=True).first()
    if actor is None:
        raise CommandError(f"用户{username}不存在或已停用")
    return actor
