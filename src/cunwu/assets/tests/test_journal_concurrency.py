"""Eight township clerks confirming at once on PostgreSQL: the voucher numbers of a month are
gapless and unique, and an entry confirmed twice at once is posted once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from cunwu.accounts.models import Role, RoleAssignment
from cunwu.assets.models import EntryStatus, JournalEntry, VoucherCounter
from cunwu.assets.services import journal as svc
from cunwu.core.errors import ApplicationError
from cunwu.core.services.audit import audit_verify
from cunwu.testing import JIULONG, KAIYUN, PERSONAS, make_user, race, seed_regions

from .test_journal_services import month_start

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 8


def _setup(n: int) -> tuple[list[JournalEntry], list[object]]:
    village = seed_regions()[JIULONG]
    staff = make_user("九龙村村干部", *PERSONAS["九龙村村干部"])
    committee = make_user("九龙村监委会委员", *PERSONAS["九龙村监委会委员"])
    clerks = []
    for i in range(THREADS):
        clerk = make_user(f"开云镇干部{i}")
        RoleAssignment.objects.create(user=clerk, role=Role.TOWNSHIP_STAFF, region_id=KAIYUN)
        clerks.append(clerk)
    account = svc.account_create(actor=staff, village=village, name="基本户", kind="cash")
    entries = []
    for i in range(n):
        entry = svc.entry_propose(
            actor=staff, account=account, date=month_start(1), direction="receipt",
            category="other_income", summary=f"收入{i}", amount=f"{i + 1}",
        )  # fmt: skip
        entries.append(svc.entry_review(actor=committee, entry=entry, approve=True))
    return entries, clerks


def test_eight_confirmations_get_001_to_008_exactly_once() -> None:
    entries, clerks = _setup(THREADS)

    def confirm(i: int) -> None:
        svc.entry_confirm(actor=clerks[i], entry=entries[i], approve=True)

    assert race(THREADS, confirm) == []
    start = month_start(1)
    prefix = f"记-{start.year}-{start.month:02d}-"
    numbers = sorted(JournalEntry.objects.values_list("voucher_number", flat=True))
    assert numbers == [f"{prefix}{i:03d}" for i in range(1, THREADS + 1)]
    assert set(JournalEntry.objects.values_list("status", flat=True)) == {EntryStatus.POSTED}
    assert VoucherCounter.objects.get().last == THREADS
    assert audit_verify()[1] is None


def test_one_entry_confirmed_by_eight_at_once_is_posted_once() -> None:
    entries, clerks = _setup(1)
    codes: list[str] = []
    lock = threading.Lock()

    def confirm(i: int) -> None:
        try:
            svc.entry_confirm(actor=clerks[i], entry=entries[0], approve=True)
        except ApplicationError as exc:
            with lock:
                codes.append(exc.code)

    assert race(THREADS, confirm) == []
    assert codes == ["entry_state"] * (THREADS - 1)
    entry = JournalEntry.objects.get()
    assert entry.voucher_number.endswith("-001")
    assert entry.approvals.filter(step="confirm").count() == 1
    assert VoucherCounter.objects.get().last == 1  # the refused ones gave their number back
