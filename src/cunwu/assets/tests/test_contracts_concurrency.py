"""Eight counters paying the same instalment at once (PostgreSQL only): paid never exceeds
the amount, and exactly the payments that fit succeed."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.assets.models import AwardMethod, Receivable, ReceivablePayment
from cunwu.assets.services import contracts as svc
from cunwu.assets.tests.test_contracts_services import make_asset
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_eight_payments_at_once(persona: Callable[[str], User], jiulong: Region) -> None:
    cadre = persona("九龙村村干部")
    today = timezone.localdate()
    c = svc.contract_create(
        actor=cadre, village=jiulong, number="HT-1", title="厂房", kind="lease",
        party_name="甲", assets=[make_asset(jiulong, cadre)], signed_on=today, start_date=today,
        end_date=svc.add_years(today, 1), total_price="1000", annual_price="1000",
        award_method=AwardMethod.TENDER,
    )  # fmt: skip
    receivable = c.receivables.get()
    results: list[str] = []
    barrier = threading.Barrier(8)

    def pay() -> None:
        try:
            barrier.wait()
            svc.payment_record(actor=cadre, receivable=receivable, date=today, amount="300")
            results.append("ok")
        except ApplicationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=pay) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    receivable = Receivable.objects.get(pk=receivable.pk)
    assert results.count("ok") == 3 and results.count("refused") == 5
    assert receivable.paid_fen == 90_000 <= receivable.amount_fen
    assert ReceivablePayment.objects.count() == 3
