"""Helpers and fixtures of the points page, API, selector and command tests (import the
fixtures into a test module with ``from .support import reviewer, villager``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from cunwu.accounts.models import Role, RoleAssignment, User
from cunwu.core.models import Region
from cunwu.disclosure.services import notices_close_due
from cunwu.points import services
from cunwu.points.models import PointEvent, RuleItem
from cunwu.registry.models import Household, Person
from cunwu.testing import JIULONG, TEST_PASSWORD, make_household, make_id_number

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("照片.jpg", JPEG, content_type="image/jpeg")


def client_for(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def close_all() -> None:
    notices_close_due(today=timezone.localdate() + timedelta(days=60))


@pytest.fixture
def reviewer(persona: Callable[[str], User]) -> User:
    """A second cadre of 九龙村: nobody reviews their own proposals."""
    user = User.objects.create_user(username="九龙村积分评议员", password=TEST_PASSWORD)
    RoleAssignment.objects.create(user=user, role=Role.VILLAGE_STAFF, region_id=JIULONG)
    return user


@pytest.fixture
def villager(persona: Callable[[str], User], household: Household) -> User:
    """九龙村村民, the account of 李四 of household 0001."""
    user = persona("九龙村村民")
    Person.objects.filter(household=household, name="李四").update(user=user)
    return user


def another_household(staff: User, village: Region, number: str, head: str) -> Household:
    seq = int(number)
    return make_household(
        staff, village, number, head, head_id=make_id_number(seq, birth="19750505")
    )


def earn(
    staff: User,
    reviewer: User,
    rows: list[tuple[Household, RuleItem, date, int]],
) -> list[PointEvent]:
    """Propose, review, disclose and close: the events post to the ledger (exact figures)."""
    events = [
        services.event_propose(actor=staff, household=h, item=i, on=on, points=points)
        for h, i, on, points in rows
    ]
    for event in events:
        services.event_review(actor=reviewer, event=event, approve=True)
    services.batch_publish(actor=reviewer, village=events[0].village)
    close_all()
    return events
