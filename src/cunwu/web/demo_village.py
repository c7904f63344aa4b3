"""The demo's 乡村治理 in 九龙村: each part's demo, in the order a village would start them."""

from __future__ import annotations

from typing import Any

from cunwu.core.models import Region

from .demo_village_care import demo_village_care
from .demo_village_honours import demo_village_honours
from .demo_village_jobs import demo_village_jobs
from .demo_village_meetings import demo_village_meetings
from .demo_village_rules import demo_village_rules
from .demo_village_sanitation import demo_village_sanitation
from .demo_village_training import demo_village_training
from .demo_village_workshops import demo_village_workshops

PARTS = (
    demo_village_meetings,
    demo_village_rules,
    demo_village_sanitation,
    demo_village_jobs,
    demo_village_care,
    demo_village_training,
    demo_village_honours,
    demo_village_workshops,
)


def demo_village(*, cadre: Any, work_team: Any, township: Any, admin: Any, village: Region) -> int:
    """How many main records the parts made (0 when the demo village has them already)."""
    return sum(
        part(cadre=cadre, work_team=work_team, township=township, admin=admin, village=village)
        for part in PARTS
    )
