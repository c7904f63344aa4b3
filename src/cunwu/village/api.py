"""乡村治理 over the API under /village. Scoped like the pages: outside the caller's villages
is 404."""

from __future__ import annotations

from ninja import Router

from . import (
    api_care,
    api_honours,
    api_jobs,
    api_meetings,
    api_rules,
    api_sanitation,
    api_training,
    api_workshops,
)

router = Router(tags=["乡村治理"])
router.add_router("", api_meetings.router)
router.add_router("", api_rules.router)
router.add_router("", api_sanitation.router)
router.add_router("", api_honours.router)
router.add_router("", api_care.router)
router.add_router("", api_workshops.router)
router.add_router("", api_jobs.router)
router.add_router("", api_training.router)
