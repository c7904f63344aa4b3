from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from cunwu.accounts.models import User
from cunwu.core.models import AuditChain, AuditEvent, Region
from cunwu.core.services.audit import GENESIS, audit_append, audit_verify
from cunwu.registry.models import Household
from cunwu.testing import JIULONG, KAIYUN, YANJIANG


def _append(region: Region, n: int, actor: User | None = None) -> list[AuditEvent]:
    events = []
    for i in range(n):
        with transaction.atomic():
            events.append(
                audit_append(
                    actor=actor,
                    region=region,
                    action="test.event",
                    object_type="test",
                    object_id=str(i),
                    payload={"i": i, "名字": "𠮷䶮"},
                )
            )
    return events


def test_events_chain_per_village_from_genesis(regions: dict[str, Region], staff: User) -> None:
    first, second = _append(regions[JIULONG], 2, staff)
    (other,) = _append(regions[YANJIANG], 1)
    assert (first.seq, second.seq, other.seq) == (1, 2, 1)
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash
    assert other.prev_hash == GENESIS
    assert second.actor_name == "九龙村村干部"
    assert other.actor_name == "系统"
    assert AuditChain.objects.get(region_id=JIULONG).last_hash == second.hash
    assert audit_verify() == (3, None)


def test_township_events_chain_on_their_county(regions: dict[str, Region]) -> None:
    (event,) = _append(regions[KAIYUN], 1)
    assert event.region_id == "430423000000"


@pytest.mark.django_db(transaction=True)
def test_append_outside_a_transaction_is_refused() -> None:
    from cunwu.testing import seed_regions

    region = seed_regions()[JIULONG]
    with pytest.raises(RuntimeError):
        audit_append(actor=None, region=region, action="x", object_type="t", object_id="1")
    assert not AuditEvent.objects.exists()


def test_verify_names_an_event_edited_behind_the_application(regions: dict[str, Region]) -> None:
    events = _append(regions[JIULONG], 5)
    AuditEvent.objects.filter(pk=events[2].pk).update(payload={"i": 99})
    checked, broken = audit_verify()
    assert broken is not None
    assert (checked, broken.region, broken.seq) == (3, JIULONG, 3)
    assert "内容已被改动" in str(broken)
    with pytest.raises(CommandError, match="第3条"):
        call_command("audit", "verify")


def test_verify_catches_a_deleted_event_in_the_middle_and_at_the_end(
    regions: dict[str, Region],
) -> None:
    events = _append(regions[JIULONG], 4)
    AuditEvent.objects.filter(pk=events[3].pk).delete()
    _checked, broken = audit_verify()
    assert broken is not None and "被删除" in broken.reason
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    _checked, broken = audit_verify()
    assert broken is not None and (broken.seq, broken.reason) == (2, "缺少事件（序号不连续）")


def test_verify_command_is_scoped_to_a_region(
    regions: dict[str, Region], capsys: pytest.CaptureFixture[str]
) -> None:
    events = _append(regions[JIULONG], 2)
    _append(regions[YANJIANG], 3)
    AuditEvent.objects.filter(pk=events[0].pk).update(action="test.changed")
    call_command("audit", "verify", "--region", YANJIANG)
    assert "审计链完整：已检查 3 条事件" in capsys.readouterr().out
    with pytest.raises(CommandError, match="430423100224"):
        call_command("audit", "verify", "--region", KAIYUN)
    with pytest.raises(CommandError, match="不存在"):
        call_command("audit", "verify", "--region", "999999999999")


def test_business_change_and_audit_event_roll_back_together(
    household: Household, staff: User
) -> None:
    from cunwu.registry.services import household_update

    before = AuditEvent.objects.count()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        household_update(
            actor=staff, household=household, group=None, address="新地址", tags="低保户"
        )
        1 / 0  # noqa: B018
    household.refresh_from_db()
    assert household.address == ""
    assert AuditEvent.objects.count() == before
    assert audit_verify()[1] is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain() -> None:
    from cunwu.testing import race, seed_regions

    region = seed_regions()[JIULONG]
    workers, per_worker = 8, 15
    assert race(workers, lambda _: _append(region, per_worker)) == []
    seqs = list(AuditEvent.objects.filter(region_id=JIULONG).values_list("seq", flat=True))
    assert sorted(seqs) == list(range(1, workers * per_worker + 1))
    assert audit_verify(prefix=JIULONG) == (workers * per_worker, None)
