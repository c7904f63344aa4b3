"""``cunwu token create USERNAME --name NAME``: make an API token and print it (once).

Whoever can run management commands already holds the database, so the token is made as the
user themself; the audit event records that it came from the command line.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.timezone import localtime

from cunwu.accounts.backends import find_user
from cunwu.accounts.selectors import token_list
from cunwu.accounts.services import token_create
from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import format_date


class Command(BaseCommand):
    help = "接口令牌：create 为用户创建令牌并打印（只显示一次）；list 列出用户的令牌"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["create", "list"])
        parser.add_argument("username", help="用户名或手机号")
        parser.add_argument("--name", default="", help="令牌用途，例如：乡镇报表系统")

    def handle(self, *args: Any, **options: Any) -> None:
        user = find_user(options["username"])
        if user is None:
            raise CommandError(f"用户“{options['username']}”不存在")
        if options["action"] == "list":
            for token in token_list(actor=user):
                state = (
                    f"已停用（{format_date(localtime(token.revoked_at))}）"
                    if token.revoked_at
                    else "有效"
                )
                self.stdout.write(
                    f"{token.prefix}…\t{token.name}\t{format_date(localtime(token.created_at))}\t{state}"
                )
            return
        if not options["name"].strip():
            raise CommandError("请用 --name 说明令牌用途")
        try:
            token, plaintext = token_create(
                actor=user, user=user, name=options["name"], channel="cli"
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(f"已为{user.name}创建令牌“{token.name}”。令牌只显示这一次，请妥善保存：")
        self.stdout.write(plaintext)
