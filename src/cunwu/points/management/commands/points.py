"""``cunwu points check [--region CODE]``: compare every account's two figures with the sums of
its ledger rows; exit 1 listing those that differ (nightly, by cron or a systemd timer).

``cunwu points reset --village CODE --year YYYY``: 年度清零 of available points for a village
whose rulebook says so (cumulative points stay); once per year, the command line acting as the
system unless ``--user`` names the cadre who asked for it."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region, RegionLevel, code_prefix
from cunwu.points.services import available_reset, ledger_mismatches


class Command(BaseCommand):
    help = "积分制：check 核对积分账户与流水合计，reset 年度清零可用积分"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="核对各户累计、可用积分是否等于流水合计")
        check.add_argument("--region", default="", help="只核对该区划（12位代码）以内")
        reset = sub.add_parser("reset", help="年度清零：某村某年度结束时的可用积分清零")
        reset.add_argument("--village", required=True, help="村的区划代码（12位）")
        reset.add_argument("--year", type=int, required=True, help="已经结束的年度，如 2025")
        reset.add_argument("--user", default="", help="经办的村干部用户名（默认以系统名义）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "check":
                self._check(options["region"].strip())
            else:
                self._reset(options["village"].strip(), options["year"], options["user"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        except PermissionDenied as exc:
            raise CommandError(f"用户{options.get('user')}没有权限为该村清零") from exc

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
        actor = None
        if username:
            from cunwu.accounts.models import User

            actor = User.objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(f"用户{username}不存在或已停用")
        count = available_reset(actor=actor, village=village, year=year)
        self.stdout.write(f"{village.name}{year}年度可用积分已清零：{count} 户")
