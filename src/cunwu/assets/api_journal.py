"""三资 over the API (journal); mounted under /api/v1/assets by assets/api.py."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["三资"])
