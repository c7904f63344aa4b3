"""The one error type for expected failures: a code for machines, a Chinese message for people."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """An expected, user-facing failure: views show ``message``, the API ``{code, message}``.

    ``field`` names the form field (or spreadsheet column) at fault when there is one.
    """

    def __init__(self, code: str, message: str, *, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.status = status

    def __str__(self) -> str:
        return self.message


def apply_error(form: Any, exc: ApplicationError) -> None:
    """Show a service's error beside its form field, or above the form when no field matches."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
