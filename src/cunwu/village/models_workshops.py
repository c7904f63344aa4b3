"""Models of the workshops part of 乡村治理."""

from __future__ import annotations

__all__: list[str] = []
