"""防返贫监测 over the API under /monitoring: monitored households, cases, alerts and department
imports, measures, campaigns, statistics. Scoped like the pages: outside the caller's villages
is 404."""

from __future__ import annotations

from ninja import Router

from . import api_campaigns, api_cases, api_households, api_measures, api_screening, api_stats

router = Router(tags=["防返贫监测"])
router.add_router("", api_households.router)
router.add_router("", api_cases.router)
router.add_router("", api_screening.router)
router.add_router("", api_measures.router)
router.add_router("", api_campaigns.router)
router.add_router("", api_stats.router)
