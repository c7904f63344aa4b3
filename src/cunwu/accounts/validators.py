"""Password rules with Chinese messages (AUTH_PASSWORD_VALIDATORS)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule, worded in Chinese: its zh-hans catalogue lacks the plural form
    and would answer in English."""

    def __init__(self, min_length: int = 10) -> None:
        super().__init__(min_length=min_length)

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                self.get_error_message(),
                code="password_too_short",
                params={"min_length": self.min_length},
            )

    def get_error_message(self) -> str:
        return f"密码太短，至少需要{self.min_length}个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要{self.min_length}个字符。"
