"""The workshops part of 乡村治理 over the API."""

from __future__ import annotations

from ninja import Router

router = Router()
