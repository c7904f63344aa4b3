"""三资 over the API under /assets: the registers, the fund journal, the contracts with their
receivables and checks. Scoped like the pages: what lies outside the caller's villages is 404."""

from __future__ import annotations

from ninja import Router

from . import api_contracts, api_journal, api_registers, api_reports

router = Router(tags=["三资"])
router.add_router("", api_registers.router)
router.add_router("", api_journal.router)
router.add_router("", api_contracts.router)
router.add_router("", api_reports.router)
