"""防返贫监测 over the API (part: screening)."""

from __future__ import annotations

from ninja import Router

router = Router()
