"""乡村治理 (village life): house-yard meetings, village rules and pledges, the sanitation
association and its waste chain, model-household selections, care for left-behind groups, village
workshops, public-welfare jobs and skills training. Each part keeps its models in its own module."""

from __future__ import annotations

from .models_care import *  # noqa: F403
from .models_honours import *  # noqa: F403
from .models_jobs import *  # noqa: F403
from .models_meetings import *  # noqa: F403
from .models_rules import *  # noqa: F403
from .models_sanitation import *  # noqa: F403
from .models_training import *  # noqa: F403
from .models_workshops import *  # noqa: F403
