"""audit_append_many: many links under one lock, hashed exactly like audit_append."""

from __future__ import annotations

from itertools import pairwise

import pytest
from django.db import transaction

from cunwu.accounts.models import User
from cunwu.core.models import AuditChain, AuditEvent, Region
from cunwu.core.services.audit import (
    GENESIS,
    PendingEvent,
    audit_append,
    audit_append_many,
    audit_verify,
    event_hash,
)
from cunwu.testing import JIULONG, KAIYUN


def _many(n: int, start: int = 0) -> list[PendingEvent]:
    return [
        PendingEvent(
            action="test.many",
            object_type="test",
            object_id=str(i),
            payload={"i": i, "名字": "𠮷䶮", "nested": {"b": [1, 2], "a": None}},
        )
        for i in range(start, start + n)
    ]


def test_chain_built_by_append_many_verifies_between_single_appends(
    regions: dict[str, Region], staff: User
) -> None:
    village = regions[JIULONG]
    with transaction.atomic():
        first = audit_append(actor=staff, region=village, action="test.one", object_id="a")
        appended = audit_append_many(
            actor=staff, region=village, events=iter(_many(7)), batch_size=3
        )
        last = audit_append(actor=None, region=village, action="test.one", object_id="b")
    assert appended == 7
    events = list(AuditEvent.objects.filter(region_id=JIULONG).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, 10))
    assert events[0].prev_hash == GENESIS and events[0].pk == first.pk
    assert all(b.prev_hash == a.hash for a, b in pairwise(events))
    assert all(event_hash(e.prev_hash, e) == e.hash for e in events)
    assert [e.object_id for e in events[1:8]] == [str(i) for i in range(7)]
    assert {e.actor_name for e in events[1:8]} == {"九龙村村干部"}
    assert events[1].payload == {"i": 0, "名字": "𠮷䶮", "nested": {"a": None, "b": [1, 2]}}
    assert events[8].pk == last.pk
    chain = AuditChain.objects.get(region_id=JIULONG)
    assert (chain.last_seq, chain.last_hash) == (9, last.hash)
    assert audit_verify() == (9, None)


def test_append_many_of_a_township_goes_to_the_county_chain(regions: dict[str, Region]) -> None:
    with transaction.atomic():
        assert audit_append_many(actor=None, region=regions[KAIYUN], events=_many(2)) == 2
    assert set(AuditEvent.objects.values_list("region_id", "actor_name")) == {
        ("430423000000", "系统")
    }
    assert audit_verify() == (2, None)


def test_append_many_of_nothing_leaves_the_chain_alone(regions: dict[str, Region]) -> None:
    with transaction.atomic():
        assert audit_append_many(actor=None, region=regions[JIULONG], events=[]) == 0
    assert not AuditEvent.objects.exists()
    assert audit_verify() == (0, None)


def test_tampering_with_a_bulk_appended_event_is_found(regions: dict[str, Region]) -> None:
    with transaction.atomic():
        audit_append_many(actor=None, region=regions[JIULONG], events=_many(4))
    AuditEvent.objects.filter(region_id=JIULONG, seq=3).update(payload={"i": 99})
    checked, broken = audit_verify()
    assert (checked, broken and broken.seq) == (3, 3)


@pytest.mark.django_db(transaction=True)
def test_append_many_outside_a_transaction_is_refused() -> None:
    from cunwu.testing import seed_regions

    village = seed_regions()[JIULONG]
    with pytest.raises(RuntimeError):
        audit_append_many(actor=None, region=village, events=_many(1))
    assert not AuditEvent.objects.exists()
