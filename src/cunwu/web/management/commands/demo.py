"""``cunwu demo load`` (idempotent) and ``cunwu demo logins``."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cunwu.core.errors import ApplicationError
from cunwu.web.demo import DEMO_PASSWORD, DEMO_USERS, demo_load


class Command(BaseCommand):
    help = "演示数据：load 加载（可重复执行）；logins 列出各角色的演示账号"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["load", "logins"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "logins":
            self.print_logins()
            return
        try:
            created = demo_load()
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if created["users"] or created["households"] or created["notices"]:
            self.stdout.write(
                f"演示数据已加载：新增 {created['households']} 户、{created['users']} 个账号、"
                f"{created['notices']} 条公告"
            )
        else:
            self.stdout.write("演示数据已存在，未做改动")

    def print_logins(self) -> None:
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}，也可用手机号登录）：")
        for user in DEMO_USERS:
            self.stdout.write(
                f"  {user.display_name:<16} 用户名 {user.username:<12} 手机 {user.phone}"
            )
