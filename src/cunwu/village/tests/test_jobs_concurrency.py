"""Two cadres filling the last seat of a post at once (PostgreSQL only): one gets it, the other
a clear 409, and the post never holds more than its positions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.db import connection

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.registry.models import Household
from cunwu.testing import race
from cunwu.village.models import JobHolder, JobPost
from cunwu.village.services import jobs as services

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_two_starts_on_the_last_seat_fill_it_once(
    persona: Callable[[str], User], jiulong: Region, household: Household
) -> None:
    cadre, team = persona("九龙村村干部"), persona("九龙村工作队员")
    post = services.job_post_create(actor=cadre, village=jiulong, name="护路员", duties="",
                                    pay_fen=60000, funding="", positions=1)  # fmt: skip
    actors = [cadre, team]
    people = [household.members.get(name="李四"), household.members.get(name="张小明")]

    def work(i: int) -> None:
        services.job_holder_start(actor=actors[i], post=JobPost.objects.get(pk=post.pk),
                                  person=people[i], start_on=date(2026, 11, 1))  # fmt: skip

    errors = race(2, work)
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError)
    assert (errors[0].code, errors[0].status) == ("post_full", 409)
    assert JobHolder.objects.filter(post=post).count() == 1
    assert JobPost.objects.get(pk=post.pk).filled == 1


@pytest.mark.django_db(transaction=True)
def test_two_ends_of_the_same_holder_free_one_seat(
    persona: Callable[[str], User], jiulong: Region, household: Household
) -> None:
    cadre, team = persona("九龙村村干部"), persona("九龙村工作队员")
    post = services.job_post_create(actor=cadre, village=jiulong, name="护路员", duties="",
                                    pay_fen=60000, funding="", positions=2)  # fmt: skip
    services.job_holder_start(actor=cadre, post=post, person=household.members.get(name="张三"),
                              start_on=date(2026, 11, 1))  # fmt: skip
    holder = services.job_holder_start(actor=cadre, post=post,
                                       person=household.members.get(name="李四"),
                                       start_on=date(2026, 11, 1))  # fmt: skip
    actors = [cadre, team]

    def work(i: int) -> None:
        services.job_holder_end(actor=actors[i], holder=JobHolder.objects.get(pk=holder.pk),
                                end_on=date(2026, 11, 30), reason=f"离岗{i}")  # fmt: skip

    errors = race(2, work)
    assert len(errors) == 1 and errors[0].code == "holder_ended"  # type: ignore[attr-defined]
    assert JobPost.objects.get(pk=post.pk).filled == 1
