# ruff: noqa: F811
"""撤销岗位: only a post nobody holds (else a clear 409), then no more starts; page, API, scope,
and (PostgreSQL) a retirement racing a start never leaves a retired post with a holder."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.db import connection
from django.test import Client

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import AuditEvent, Region
from cunwu.registry.models import Household
from cunwu.testing import race
from cunwu.village.models import JobHolder, JobPost
from cunwu.village.services import jobs as services

from .fixtures_jobs import cadre, cleaner, member  # noqa: F401

NOV = date(2026, 11, 1)


def _client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.django_db
def test_retire_needs_no_holder_then_refuses_starts(
    cadre: User, cleaner: JobPost, household: Household
) -> None:
    holder = services.job_holder_start(
        actor=cadre, post=cleaner, person=member(household, "张三"), start_on=NOV
    )
    with pytest.raises(ApplicationError) as exc:
        services.job_post_retire(actor=cadre, post=cleaner)
    assert (exc.value.code, exc.value.status) == ("post_has_holders", 409)
    assert exc.value.message == "该岗位还有1人在岗，请先办理离岗后再撤销"
    assert JobPost.objects.get(pk=cleaner.pk).active is True
    services.job_holder_end(actor=cadre, holder=holder, end_on=date(2026, 11, 30), reason="辞职")
    post = services.job_post_retire(actor=cadre, post=cleaner)
    assert (post.active, post.filled) == (False, 0)
    assert AuditEvent.objects.filter(action="village.job_post_retire").count() == 1
    with pytest.raises(ApplicationError, match="该岗位已撤销"):
        services.job_post_retire(actor=cadre, post=JobPost.objects.get(pk=cleaner.pk))
    with pytest.raises(ApplicationError, match="该岗位已撤销"):
        services.job_holder_start(
            actor=cadre, post=post, person=member(household, "李四"), start_on=NOV
        )
    assert JobHolder.objects.count() == 1


@pytest.mark.django_db
def test_retire_page_button_error_and_success(
    cadre: User, cleaner: JobPost, household: Household
) -> None:
    c = _client(cadre)
    assert "撤销岗位" in c.get(f"/village/jobs/{cleaner.pk}/").content.decode()
    holder = services.job_holder_start(
        actor=cadre, post=cleaner, person=member(household, "张三"), start_on=NOV
    )
    r = c.post(f"/village/jobs/{cleaner.pk}/retire/")
    assert r.status_code == 200
    assert "该岗位还有1人在岗，请先办理离岗后再撤销" in r.content.decode()
    assert JobPost.objects.get(pk=cleaner.pk).active is True
    services.job_holder_end(actor=cadre, holder=holder, end_on=date(2026, 11, 30), reason="辞职")
    assert c.get(f"/village/jobs/{cleaner.pk}/retire/").status_code == 200
    r = c.post(f"/village/jobs/{cleaner.pk}/retire/")
    assert r.status_code == 302 and r["Location"] == f"/village/jobs/{cleaner.pk}/"
    assert JobPost.objects.get(pk=cleaner.pk).active is False
    html = c.get(f"/village/jobs/{cleaner.pk}/").content.decode()
    assert "已撤销" in html and "撤销岗位" not in html and "安排上岗" not in html


@pytest.mark.django_db
def test_retire_api_and_scope(
    persona: Callable[[str], User], cadre: User, cleaner: JobPost, household: Household
) -> None:
    c = _client(cadre)
    holder = services.job_holder_start(
        actor=cadre, post=cleaner, person=member(household, "张三"), start_on=NOV
    )
    url = f"/api/v1/village/jobs/{cleaner.pk}/retire"
    r = c.post(url)
    assert r.status_code == 409
    assert r.json()["code"] == "post_has_holders"
    assert r.json()["message"] == "该岗位还有1人在岗，请先办理离岗后再撤销"
    other, villager = _client(persona("八里村村干部")), _client(persona("九龙村村民"))
    services.job_holder_end(actor=cadre, holder=holder, end_on=date(2026, 11, 30), reason="辞职")
    assert other.post(url).status_code == 404
    assert other.get(f"/village/jobs/{cleaner.pk}/retire/").status_code == 404
    assert other.post(f"/village/jobs/{cleaner.pk}/retire/").status_code == 404
    assert villager.post(f"/village/jobs/{cleaner.pk}/retire/").status_code == 403
    assert villager.post(url).status_code == 404  # sees no post of the village
    assert JobPost.objects.get(pk=cleaner.pk).active is True
    r = c.post(url)
    assert r.status_code == 200
    assert (r.json()["active"], r.json()["filled"]) == (False, 0)
    assert c.post(url).json()["code"] == "post_ended"
    assert c.post("/api/v1/village/jobs/999999/retire").status_code == 404


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_retire_racing_a_start_never_leaves_a_holder_on_a_retired_post(
    persona: Callable[[str], User], jiulong: Region, household: Household
) -> None:
    cadre, team = persona("九龙村村干部"), persona("九龙村工作队员")
    for _ in range(3):
        post = services.job_post_create(actor=cadre, village=jiulong, name="护路员", duties="",
                                        pay_fen=60000, funding="", positions=1)  # fmt: skip

        def work(i: int, post: JobPost = post) -> None:
            fresh = JobPost.objects.get(pk=post.pk)
            if i == 0:
                services.job_post_retire(actor=cadre, post=fresh)
            else:
                services.job_holder_start(actor=team, post=fresh,
                                          person=household.members.get(name="李四"),
                                          start_on=NOV)  # fmt: skip

        errors = race(2, work)
        assert len(errors) == 1 and isinstance(errors[0], ApplicationError)
        # the start lost (retired before it read the post: 400, or before it claimed: 409),
        # or the retirement lost (a holder took the seat first: 409)
        assert (errors[0].code, errors[0].status) in (
            ("post_ended", 400), ("post_ended", 409), ("post_has_holders", 409),
        )  # fmt: skip
        post.refresh_from_db()
        holders = JobHolder.objects.filter(post=post, end_on=None).count()
        assert (post.active, post.filled, holders) in ((False, 0, 0), (True, 1, 1))
