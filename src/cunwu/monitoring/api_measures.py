"""防返贫监测 over the API (part: measures)."""

from __future__ import annotations

from ninja import Router

router = Router()
