"""The one error type for expected failures: a code for machines, a Chinese message for people."""

from __future__ import annotations


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
