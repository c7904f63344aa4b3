"""Any sequence of proposals, reviews, confirmations, rejections and reversals keeps the books
right: every account's balance is the sum of its posted entries' signed amounts and equals an
independent Python model of the same operations; voucher numbers run 1..n per month."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cunwu.accounts.models import User
from cunwu.assets.models import EntryStatus, JournalEntry
from cunwu.assets.selectors import journal as sel
from cunwu.assets.services import journal as svc
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region

from .test_journal_services import month_start

pytestmark = pytest.mark.django_db

_runs = itertools.count()

operation = st.tuples(
    st.sampled_from(["propose", "propose", "review", "confirm", "reject", "reverse"]),
    st.integers(0, 1),  # which account
    st.sampled_from(["receipt", "payment"]),
    st.integers(1, 10**9),  # amount in 分
    st.integers(0, 7),  # which entry
)

EXPECTED = {"entry_state", "reverse_not_posted", "reverse_twice", "reverse_reversal"}


@settings(
    max_examples=30, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
@given(ops=st.lists(operation, max_size=25))
def test_balances_follow_the_posted_entries(
    persona: Callable[[str], User], jiulong: Region,
    ops: list[tuple[str, int, str, int, int]],
) -> None:  # fmt: skip
    run = next(_runs)
    staff, committee = persona("九龙村村干部"), persona("九龙村监委会委员")
    township = persona("开云镇干部")
    accounts = [
        svc.account_create(actor=staff, village=jiulong, name=f"账户{run}-{i}", kind="cash")
        for i in range(2)
    ]
    day = month_start(1)
    # the model: entry → (account index, signed 分, status, reverses, reversed)
    model: list[dict[str, object]] = []
    entries: list[JournalEntry] = []
    for kind, which, direction, fen, pick in ops:
        target = entries[pick % len(entries)] if entries else None
        m = model[pick % len(model)] if model else None
        try:
            if kind == "propose":
                category = "other_income" if direction == "receipt" else "other_expense"
                entries.append(svc.entry_propose(
                    actor=staff, account=accounts[which], date=day, direction=direction,
                    category=category, summary="随机", amount=f"{fen // 100}.{fen % 100:02d}",
                ))  # fmt: skip
                signed = fen if direction == "receipt" else -fen
                model.append({"account": which, "signed": signed, "status": "proposed",
                              "reverses": None, "reversed": False})  # fmt: skip
            elif target is None or m is None:
                continue
            elif kind == "review":
                svc.entry_review(actor=committee, entry=target, approve=True)
                assert m["status"] == "proposed"
                m["status"] = "reviewed"
            elif kind == "confirm":
                svc.entry_confirm(actor=township, entry=target, approve=True)
                assert m["status"] == "reviewed"
                m["status"] = "posted"
            elif kind == "reject":
                if m["status"] == "proposed":
                    svc.entry_review(actor=committee, entry=target, approve=False, note="退回")
                else:
                    svc.entry_confirm(actor=township, entry=target, approve=False, note="退回")
                assert m["status"] in ("proposed", "reviewed")
                m["status"] = "rejected"
            elif kind == "reverse":
                reversal = svc.entry_reverse(actor=staff, entry=target, date=day, reason="冲销")
                assert m["status"] == "posted" and not m["reversed"] and m["reverses"] is None
                m["reversed"] = True
                entries.append(reversal)
                model.append({"account": m["account"], "signed": -int(m["signed"]),  # type: ignore[call-overload]
                              "status": "proposed", "reverses": m, "reversed": False})  # fmt: skip
        except ApplicationError as exc:
            assert exc.code in EXPECTED, exc.code
        balances = sel.balances(a.pk for a in accounts)
        for i, account in enumerate(accounts):
            posted = JournalEntry.objects.filter(account=account, status=EntryStatus.POSTED)
            db_sum = sum(e.signed_fen for e in posted)
            expected = sum(int(x["signed"]) for x in model  # type: ignore[call-overload]
                           if x["account"] == i and x["status"] == "posted")  # fmt: skip
            assert balances.get(account.pk, 0) == db_sum == expected
    statuses = [e.status for e in JournalEntry.objects.filter(pk__in=[e.pk for e in entries])
                .order_by("pk")]  # fmt: skip
    assert statuses == [m["status"] for m in model]
    numbers = sorted(
        int(v.rsplit("-", 1)[1])
        for v in JournalEntry.objects.filter(village=jiulong, status=EntryStatus.POSTED,
                                             date=day).values_list("voucher_number", flat=True)
    )  # fmt: skip
    assert numbers == list(range(1, len(numbers) + 1))
