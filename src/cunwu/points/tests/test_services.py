"""The points services: adoption and validity of rulebook versions, proposals with their guards,
review, disclosure in batches, posting to the ledger, reversals, and the ledger's invariant."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cunwu.accounts.models import User
from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region
from cunwu.core.services.audit import audit_verify
from cunwu.disclosure.models import Category, Notice, NoticeStatus, Objection, ObjectionStatus
from cunwu.disclosure.services import notices_close_due
from cunwu.points import services
from cunwu.points.models import (
    BatchStatus,
    EntryKind,
    EventStatus,
    LedgerEntry,
    PointAccount,
    PointEvent,
    Proposer,
    RulebookVersion,
    RuleItem,
    VersionStatus,
)
from cunwu.points.services import ItemData
from cunwu.registry.models import Household, Person
from cunwu.testing import JIULONG, FromToday, business_events, dated, make_household, race

from .conftest import IN_FORCE_FROM, ITEMS, ON_THE_DAY, adopt_and_close

pytestmark = ON_THE_DAY

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
ON = date(2026, 3, 10)

Items = Callable[[str], RuleItem]


def _photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("垃圾分类.jpg", JPEG, content_type="image/jpeg")


def _error(fn: Callable[[], object]) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        fn()
    return info.value


def _close_all() -> None:
    notices_close_due(today=timezone.localdate() + timedelta(days=60))


def _effective(staff: User, reviewer: User, events: list[PointEvent]) -> None:
    """Review, disclose and close: the events post to the ledger."""
    for event in events:
        services.event_review(actor=reviewer, event=event, approve=True)
    services.batch_publish(actor=reviewer, village=events[0].village)
    _close_all()


@pytest.fixture
def reviewer(persona: Callable[[str], User]) -> User:
    """A second cadre of 九龙村: the review group never reviews its own proposals."""
    from cunwu.accounts.models import Role, RoleAssignment

    user = User.objects.create_user(username="九龙村积分评议员", password="x-Cunwu-2026!")
    RoleAssignment.objects.create(user=user, role=Role.VILLAGE_STAFF, region_id=JIULONG)
    return user


@pytest.fixture
def villager(persona: Callable[[str], User], household: Household) -> User:
    user = persona("九龙村村民")
    Person.objects.filter(household=household, name="李四").update(user=user)
    return user


# ---------------------------------------------------------------- rulebooks


def test_adoption_needs_two_thirds_present_and_more_than_half_in_favour(
    staff: User, draft_version: RulebookVersion
) -> None:
    today = timezone.localdate()
    adopt = lambda present, votes: services.version_adopt(  # noqa: E731
        actor=staff,
        version=draft_version,
        resolution_date=today,
        members_total=18,
        members_present=present,
        votes_for=votes,
    )
    assert _error(lambda: adopt(11, 11)).code == "resolution_quorum"  # 11 < 12 = 2/3 of 18
    assert _error(lambda: adopt(12, 6)).code == "resolution_majority"  # half is not enough
    assert _error(lambda: adopt(12, 13)).code == "resolution_counts"
    draft_version.refresh_from_db()
    assert draft_version.status == VersionStatus.DRAFT
    assert not Notice.objects.exists()
    version = adopt(12, 7)
    assert version.status == VersionStatus.DISCLOSING
    notice = version.notice
    assert notice is not None
    assert (notice.category, notice.subject_type) == (Category.POINTS, "points.rulebook_version")
    assert notice.period_days == 5
    assert notice.table["rows"][0][:4] == ["村民自治", "A01", "参加村民会议", "+2"]


def test_a_version_takes_effect_the_day_after_its_period_and_scores_from_then(
    staff: User, draft_version: RulebookVersion
) -> None:
    version = adopt_and_close(staff, draft_version)
    assert version.notice is not None and version.notice.period_end is not None
    assert version.status == VersionStatus.EFFECTIVE
    assert version.effective_from == version.notice.period_end + timedelta(days=1)
    assert services.version_in_force(JIULONG, version.effective_from) == version
    assert services.version_in_force(JIULONG, version.notice.period_end) is None


def test_an_upheld_objection_returns_the_version(
    staff: User, draft_version: RulebookVersion
) -> None:
    version = services.version_adopt(
        actor=staff,
        version=draft_version,
        resolution_date=timezone.localdate(),
        members_total=9,
        members_present=9,
        votes_for=5,
    )
    assert version.notice is not None
    Objection.objects.create(
        notice=version.notice, code="OBJ0000001", text="A01分值太低", status=ObjectionStatus.UPHELD
    )
    _close_all()
    version.refresh_from_db()
    assert (version.status, version.effective_from) == (VersionStatus.RETURNED, None)
    # a returned version can be corrected and adopted again
    services.item_save(
        actor=staff,
        version=version,
        data=ItemData(category="村民自治", code="A01", name="参加村民会议", points=3),
        item=version.items.get(code="A01"),
    )
    assert version.items.get(code="A01").points == 3


def test_a_new_version_supersedes_from_its_own_date_and_old_events_keep_theirs(
    staff: User, effective_version: RulebookVersion
) -> None:
    rulebook = effective_version.rulebook
    second = services.version_create(actor=staff, rulebook=rulebook, note="提高会议分")
    assert second.number == 2
    assert second.items.count() == len(ITEMS)
    services.item_save(
        actor=staff,
        version=second,
        data=ItemData(category="村民自治", code="A01", name="参加村民会议", points=4),
        item=second.items.get(code="A01"),
    )
    second = adopt_and_close(staff, second)
    assert second.effective_from is not None
    assert services.version_in_force(JIULONG, second.effective_from - timedelta(days=1)) == (
        effective_version
    )
    assert services.version_in_force(JIULONG, second.effective_from) == second
    # the first version, already in force, cannot be edited any more
    assert (
        _error(
            lambda: services.item_delete(actor=staff, item=effective_version.items.get(code="A01"))
        ).code
        == "version_not_draft"
    )


def test_a_village_copies_its_countys_template(
    persona: Callable[[str], User], staff: User, regions: dict[str, Region]
) -> None:
    county = persona("衡山县管理员")
    template = services.rulebook_for(actor=county, region=regions["430423000000"])
    draft = services.version_create(actor=county, rulebook=template)
    for data in ITEMS:
        services.item_save(actor=county, version=draft, data=data)
    published = services.version_adopt(
        actor=county,
        version=draft,
        resolution_date=timezone.localdate(),
        members_total=0,
        members_present=0,
        votes_for=0,
    )
    assert published.status == VersionStatus.EFFECTIVE
    mine = services.rulebook_for(actor=staff, region=regions[JIULONG])
    copy = services.version_create(actor=staff, rulebook=mine, copy_from=published)
    assert sorted(copy.items.values_list("code", flat=True)) == ["A01", "B01", "E01", "E02"]
    assert copy.copied_from == published
    # another county's village may not copy it
    other = persona("另一村的村干部")
    theirs = services.rulebook_for(actor=other, region=regions["430422200215"])
    copy_theirs = lambda: services.version_create(  # noqa: E731
        actor=other, rulebook=theirs, copy_from=published
    )
    error = _error(copy_theirs)
    assert error.code == "template_scope"
    with pytest.raises(PermissionDenied):
        services.version_create(actor=other, rulebook=mine)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"points": 0}, "item_points"),
        ({"points": 5, "points_min": 0}, "item_bounds_sign"),
        ({"points": 5, "points_max": 4}, "item_bounds"),
        ({"points": -5, "points_max": 1}, "item_bounds_sign"),
        ({"code": "A 1"}, "item_code"),
        ({"cap": 1, "points": 2}, "item_cap_small"),
        ({"proposers": []}, "item_proposers"),
        ({"unit": "week"}, "item_unit"),
        ({"code": "A01"}, "item_code_taken"),
    ],
)
def test_bad_items_are_refused_and_change_nothing(
    staff: User, draft_version: RulebookVersion, change: dict[str, object], code: str
) -> None:
    data = ItemData(category="产业发展", code="D09", name="发展庭院经济", points=5)
    for key, value in change.items():
        setattr(data, key, value)
    before = list(draft_version.items.values_list("code", "points"))
    save = lambda: services.item_save(actor=staff, version=draft_version, data=data)  # noqa: E731
    assert _error(save).code == code
    assert list(draft_version.items.values_list("code", "points")) == before


# ---------------------------------------------------------------- proposals


def test_a_cadre_proposes_and_the_event_waits_for_review(
    staff: User, household: Household, item: Items
) -> None:
    event = services.event_propose(actor=staff, household=household, item=item("A01"), on=ON)
    assert (event.status, event.points, event.source) == (EventStatus.PROPOSED, 2, Proposer.CADRE)
    assert business_events().filter(action="points.event_propose").count() == 1
    assert not LedgerEntry.objects.exists()


def test_a_villager_declares_for_their_own_household_only(
    villager: User, staff: User, household: Household, jiulong: Region, item: Items
) -> None:
    event = services.event_propose(
        actor=villager, household=household, item=item("E01"), on=ON, photo=_photo()
    )
    assert event.source == Proposer.VILLAGER
    assert event.photo.name.endswith(".jpg")
    neighbour = make_household(staff, jiulong, "0002", "王五")
    with pytest.raises(PermissionDenied):
        services.event_propose(actor=villager, household=neighbour, item=item("A01"), on=ON)
    # deductions are not self-declared
    error = _error(
        lambda: services.event_propose(actor=villager, household=household, item=item("E02"), on=ON)
    )
    assert error.code == "proposer_not_allowed"


@pytest.mark.parametrize(
    ("code", "kwargs", "error"),
    [
        ("E01", {}, "photo_required"),
        ("E01", {"photo": SimpleUploadedFile("x.jpg", b"GIF89a....", "image/jpeg")}, "photo_type"),
        ("B01", {"points": 6}, "points_bounds"),
        ("B01", {"points": -1}, "points_bounds"),
        ("A01", {"on": date(2025, 12, 31)}, "no_rulebook"),
        ("A01", {"on": FromToday(1)}, "date_future"),
        ("A01", {"description": "长" * 301}, "description_long"),
    ],
)
def test_bad_proposals_are_refused_and_change_nothing(
    staff: User,
    household: Household,
    item: Items,
    code: str,
    kwargs: dict[str, object],
    error: str,
) -> None:
    kwargs = {"on": ON, **dated(kwargs)}
    before = business_events().count()
    propose = lambda: services.event_propose(  # noqa: E731
        actor=staff,
        household=household,
        item=item(code),
        **kwargs,  # type: ignore[arg-type]
    )
    assert _error(propose).code == error
    assert not PointEvent.objects.exists()
    assert business_events().count() == before


def test_an_item_of_a_superseded_version_is_stale(
    staff: User, household: Household, effective_version: RulebookVersion
) -> None:
    second = adopt_and_close(
        staff, services.version_create(actor=staff, rulebook=effective_version.rulebook)
    )
    assert second.effective_from is not None
    RulebookVersion.objects.filter(pk=second.pk).update(effective_from=date(2026, 3, 1))
    old_item = effective_version.items.get(code="A01")
    services.event_propose(actor=staff, household=household, item=old_item, on=date(2026, 2, 28))
    error = _error(
        lambda: services.event_propose(actor=staff, household=household, item=old_item, on=ON)
    )
    assert (error.code, error.status) == ("stale_version", 409)
    assert "第2版" in error.message


def test_the_same_item_the_same_day_counts_once_unless_the_item_allows_repeats(
    staff: User, reviewer: User, household: Household, item: Items
) -> None:
    first = services.event_propose(actor=staff, household=household, item=item("A01"), on=ON)
    error = _error(
        lambda: services.event_propose(actor=staff, household=household, item=item("A01"), on=ON)
    )
    assert error.code == "duplicate_event"
    services.event_propose(
        actor=staff, household=household, item=item("A01"), on=ON + timedelta(days=1)
    )
    for _ in range(3):
        services.event_propose(actor=staff, household=household, item=item("B01"), on=ON)
    # a rejected proposal no longer blocks the day
    services.event_review(actor=reviewer, event=first, approve=False, note="当天未到会")
    services.event_propose(actor=staff, household=household, item=item("A01"), on=ON)
    assert PointEvent.objects.filter(item__code="A01").count() == 3


def test_the_cap_per_period_counts_every_live_event(
    staff: User, reviewer: User, household: Household, item: Items
) -> None:
    services.event_propose(
        actor=staff, household=household, item=item("E01"), on=ON, photo=_photo()
    )
    error = _error(
        lambda: services.event_propose(
            actor=staff,
            household=household,
            item=item("E01"),
            on=ON + timedelta(days=1),
            photo=_photo(),
        )
    )
    assert error.code == "cap_reached"
    assert "每月上限5分" in error.message
    # the next month has its own cap
    services.event_propose(
        actor=staff, household=household, item=item("E01"), on=date(2026, 4, 1), photo=_photo()
    )
    # A01: 2 points a meeting, 24 a year → the thirteenth meeting no longer counts
    for day in range(12):
        services.event_propose(
            actor=staff, household=household, item=item("A01"), on=date(2026, 2, 1 + day)
        )
    error = _error(
        lambda: services.event_propose(
            actor=staff, household=household, item=item("A01"), on=date(2026, 2, 20)
        )
    )
    assert error.code == "cap_reached"


# ---------------------------------------------------------------- review, batches, ledger


def test_nobody_reviews_their_own_proposal(
    staff: User, reviewer: User, household: Household, item: Items
) -> None:
    event = services.event_propose(actor=staff, household=household, item=item("B01"), on=ON)
    assert _error(lambda: services.event_review(actor=staff, event=event, approve=True)).code == (
        "review_own"
    )
    assert (
        _error(lambda: services.event_review(actor=reviewer, event=event, approve=False)).code
        == "reject_reason"
    )
    assert (
        _error(
            lambda: services.event_review(
                actor=reviewer, event=event, approve=True, points=9, note="多"
            )
        ).code
        == "points_bounds"
    )
    assert (
        _error(
            lambda: services.event_review(actor=reviewer, event=event, approve=True, points=5)
        ).code
        == "adjust_reason"
    )
    event = services.event_review(
        actor=reviewer, event=event, approve=True, points=5, note="服务时间长"
    )
    assert (event.status, event.points, event.reviewed_by) == (EventStatus.APPROVED, 5, reviewer)
    again = lambda: services.event_review(actor=reviewer, event=event, approve=True)  # noqa: E731
    assert _error(again).code == "event_not_proposed"


def test_approved_events_post_when_their_list_passes_its_period(
    staff: User, reviewer: User, household: Household, item: Items
) -> None:
    member = Person.objects.get(household=household, name="张小明")
    events = [
        services.event_propose(
            actor=staff, household=household, item=item("A01"), on=ON, person=member
        ),
        services.event_propose(actor=staff, household=household, item=item("B01"), on=ON),
        services.event_propose(actor=staff, household=household, item=item("E02"), on=ON),
    ]
    for event in events:
        services.event_review(actor=reviewer, event=event, approve=True)
    batch = services.batch_publish(actor=reviewer, village=household.village)
    assert batch.notice is not None
    assert (batch.notice.category, batch.notice.status) == (Category.POINTS, NoticeStatus.PUBLISHED)
    assert batch.notice.subject_id == str(batch.pk)
    assert [row[0] for row in batch.notice.table["rows"]] == ["0001"] * 3
    assert batch.notice.table["rows"][0][1:3] == ["张三", "张小明"]
    assert set(PointEvent.objects.values_list("status", flat=True)) == {EventStatus.DISCLOSING}
    assert not LedgerEntry.objects.exists()
    _close_all()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PASSED
    account = PointAccount.objects.get(household=household)
    assert (account.cumulative, account.available) == (2 + 3 - 5, 0)
    entries = LedgerEntry.objects.filter(account=account)
    assert sorted(entries.values_list("cumulative", flat=True)) == [-5, 2, 3]
    assert entries.get(cumulative=2).person == member
    assert set(entries.values_list("date", flat=True)) == {ON}
    assert services.ledger_mismatches() == []
    assert audit_verify(prefix=JIULONG)[1] is None


def test_an_upheld_objection_returns_the_list_to_review(
    staff: User, reviewer: User, household: Household, item: Items
) -> None:
    event = services.event_propose(actor=staff, household=household, item=item("A01"), on=ON)
    services.event_review(actor=reviewer, event=event, approve=True)
    batch = services.batch_publish(actor=reviewer, village=household.village)
    assert batch.notice is not None
    Objection.objects.create(
        notice=batch.notice, code="OBJ0000002", text="张三那天没到会", status=ObjectionStatus.UPHELD
    )
    _close_all()
    batch.refresh_from_db()
    event.refresh_from_db()
    assert batch.status == BatchStatus.RETURNED
    assert (event.status, event.batch) == (EventStatus.PROPOSED, None)
    assert not LedgerEntry.objects.exists()
    services.event_review(actor=reviewer, event=event, approve=False, note="核实未到会")
    publish = lambda: services.batch_publish(actor=reviewer, village=household.village)  # noqa: E731
    assert _error(publish).code == "batch_empty"


def test_a_correction_is_a_reversal_that_posts_like_any_event(
    staff: User, reviewer: User, household: Household, item: Items
) -> None:
    event = services.event_propose(actor=staff, household=household, item=item("B01"), on=ON)
    _effective(staff, reviewer, [event])
    event.refresh_from_db()
    assert event.status == EventStatus.EFFECTIVE
    assert _error(lambda: services.event_reverse(actor=reviewer, event=event, reason=" ")).code == (
        "reverse_reason"
    )
    reversal = services.event_reverse(actor=reviewer, event=event, reason="重复登记")
    assert (reversal.points, reversal.status) == (-3, EventStatus.APPROVED)
    assert reversal.reverses == event
    twice = lambda: services.event_reverse(actor=reviewer, event=event, reason="再冲")  # noqa: E731
    assert _error(twice).code == "reverse_twice"
    services.batch_publish(actor=reviewer, village=household.village)
    _close_all()
    account = PointAccount.objects.get(household=household)
    assert (account.cumulative, account.available) == (0, 0)
    assert list(LedgerEntry.objects.order_by("pk").values_list("kind", "cumulative")) == [
        (EntryKind.EARN, 3),
        (EntryKind.REVERSAL, -3),
    ]
    # the original stays on record, unchanged
    event.refresh_from_db()
    assert (event.status, event.points) == (EventStatus.EFFECTIVE, 3)


def test_spending_moves_only_available_points_and_never_below_zero(
    household: Household,
) -> None:
    services.points_credit(actor=None, household=household, points=10, ref=("t", "1"), memo="测试")
    services.points_debit(actor=None, household=household, points=7, ref=("t", "2"), memo="兑换")
    error = _error(
        lambda: services.points_debit(
            actor=None, household=household, points=4, ref=("t", "3"), memo="兑换"
        )
    )
    assert (error.code, error.status) == ("insufficient_points", 409)
    account = PointAccount.objects.get(household=household)
    assert (account.cumulative, account.available) == (0, 3)
    assert LedgerEntry.objects.count() == 2


def test_yearly_reset_zeroes_available_points_once(
    staff: User, reviewer: User, household: Household, effective_version: RulebookVersion
) -> None:
    assert (
        _error(
            lambda: services.available_reset(actor=reviewer, village=household.village, year=2025)
        ).code
        == "reset_not_configured"
    )
    effective_version.rulebook.reset_yearly = True
    effective_version.rulebook.save()
    services.points_credit(actor=None, household=household, points=8, ref=("t", "1"), memo="测试")
    PointAccount.objects.filter(household=household).update(cumulative=8)
    LedgerEntry.objects.filter(ref_id="1").update(kind=EntryKind.EARN, cumulative=8)
    assert services.available_reset(actor=reviewer, village=household.village, year=2025) == 1
    account = PointAccount.objects.get(household=household)
    assert (account.cumulative, account.available) == (8, 0)
    assert (
        _error(
            lambda: services.available_reset(actor=reviewer, village=household.village, year=2025)
        ).code
        == "reset_done"
    )
    assert services.ledger_mismatches() == []


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ops=st.lists(
        st.tuples(st.sampled_from(["earn", "deduct", "spend", "refund"]), st.integers(1, 60)),
        max_size=25,
    )
)
def test_the_figures_always_equal_the_sums_of_the_ledger_rows(
    household: Household, ops: list[tuple[str, int]]
) -> None:
    account = services.account_for(household)
    for op, amount in ops:
        n = amount if op != "deduct" else -amount
        account.refresh_from_db()
        before = (account.cumulative, account.available)
        try:
            if op in ("earn", "deduct"):
                with_tx(
                    lambda n=n: services._post(  # type: ignore[misc]
                        account=account,
                        kind=EntryKind.EARN,
                        on=ON,
                        cumulative=n,
                        available=n,
                        memo="测试",
                    )
                )
            elif op == "spend":
                with_tx(
                    lambda n=n: services.points_debit(  # type: ignore[misc]
                        actor=None, household=household, points=n, ref=("t", "x"), memo="兑换"
                    )
                )
            else:
                with_tx(
                    lambda n=n: services.points_credit(  # type: ignore[misc]
                        actor=None, household=household, points=n, ref=("t", "x"), memo="退回"
                    )
                )
        except ApplicationError as exc:
            assert exc.code == "insufficient_points"
            assert op == "spend" and before[1] < n
        account.refresh_from_db()
        if op == "spend" and before[1] >= n:
            assert account.available == before[1] - n
        assert account.cumulative >= before[0] or op == "deduct"
        assert services.ledger_mismatches() == []


def with_tx(fn: Callable[[], object]) -> None:
    from django.db import transaction

    with transaction.atomic():
        fn()


# ---------------------------------------------------------------- concurrency


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_sixteen_simultaneous_proposals_respect_the_duplicate_guard_and_the_cap(
    regions: dict[str, Region], persona: Callable[[str], User]
) -> None:
    staff = persona("九龙村村干部")
    household = make_household(staff, regions[JIULONG], "0009", "赵六")
    rulebook = services.rulebook_for(actor=staff, region=regions[JIULONG])
    version = services.version_create(actor=staff, rulebook=rulebook)
    for data in ITEMS:
        services.item_save(actor=staff, version=version, data=data)
    adopt_and_close(staff, version)
    RulebookVersion.objects.filter(pk=version.pk).update(effective_from=IN_FORCE_FROM)
    a01 = RuleItem.objects.get(version=version, code="A01")

    same_day = race(
        16, lambda i: services.event_propose(actor=staff, household=household, item=a01, on=ON)
    )
    assert PointEvent.objects.count() == 1
    assert len(same_day) == 15
    assert {e.code for e in same_day if isinstance(e, ApplicationError)} == {"duplicate_event"}

    # 2 points each, 24 a year: of 16 different days, exactly 11 more fit under the cap
    days = [date(2026, 4, 1) + timedelta(days=i) for i in range(16)]
    capped = race(
        16,
        lambda i: services.event_propose(actor=staff, household=household, item=a01, on=days[i]),
    )
    assert PointEvent.objects.count() == 12
    assert {e.code for e in capped if isinstance(e, ApplicationError)} == {"cap_reached"}
    assert len(capped) == 5
    assert audit_verify(prefix=JIULONG)[1] is None


# ---------------------------------------------------------------- onboarding from paper


def test_a_version_adopted_on_paper_is_recorded_with_its_dates(
    staff: User, draft_version: RulebookVersion
) -> None:
    record = lambda **dates: services.version_record_adopted(  # noqa: E731
        actor=staff,
        version=draft_version,
        resolution_date=date(2025, 12, 1),
        members_total=18,
        members_present=15,
        votes_for=14,
        **dates,
    )
    short = {
        "disclosed_from": date(2025, 12, 5),
        "disclosed_until": date(2025, 12, 8),
        "effective_from": IN_FORCE_FROM,
    }
    assert _error(lambda: record(**short)).code == "backfill_period"
    backwards = {**short, "disclosed_until": date(2026, 1, 2)}
    assert _error(lambda: record(**backwards)).code == "backfill_dates"
    version = record(**{**short, "disclosed_until": date(2025, 12, 9)})
    assert (version.status, version.effective_from) == (VersionStatus.EFFECTIVE, IN_FORCE_FROM)
    assert not Notice.objects.exists()
    event = business_events().get(action="points.version_backfill")
    assert event.payload["disclosed"] == ["2025-12-05", "2025-12-09"]


def test_the_default_template_has_five_categories_and_38_items(
    persona: Callable[[str], User], regions: dict[str, Region], staff: User
) -> None:
    township = persona("开云镇干部")
    template = services.template_publish_default(actor=township, region=regions["430423100000"])
    assert template.status == VersionStatus.EFFECTIVE
    assert list(template.categories.values_list("name", flat=True)) == [
        "村民自治", "乡风文明", "人才振兴", "产业发展", "美丽家园",
    ]  # fmt: skip
    assert template.items.count() == 38
    assert template.items.filter(points__lt=0).count() == 12
    copy = services.version_create(
        actor=staff,
        rulebook=services.rulebook_for(actor=staff, region=regions[JIULONG]),
        copy_from=template,
    )
    assert copy.items.count() == 38


def test_opening_balances_come_once_before_any_other_row(
    staff: User, reviewer: User, household: Household
) -> None:
    opening = lambda c, a: services.opening_balance(  # noqa: E731
        actor=reviewer, household=household, cumulative=c, available=a, as_of=date(2026, 10, 31)
    )
    assert _error(lambda: opening(10, 11)).code == "opening_figures"
    assert _error(lambda: opening(0, 0)).code == "opening_zero"
    entry = opening(120, 45)
    assert (entry.kind, entry.cumulative, entry.available) == (EntryKind.OPENING, 120, 45)
    account = PointAccount.objects.get(household=household)
    assert (account.cumulative, account.available) == (120, 45)
    assert _error(lambda: opening(5, 5)).code == "opening_late"
    assert services.ledger_mismatches() == []
