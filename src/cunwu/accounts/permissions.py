"""What each role may do, and where: scope is a prefix check on the 12-digit region code.

A user holds assignments ``(role, region)``. A permission is granted over ``region`` when one of
the user's assignments has a role that carries the permission and a region that contains it.
Selectors filter with :func:`scope_q`; services call :func:`require` before they write.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from cunwu.core.models import Region, RegionLevel, code_prefix

from .models import Role, RoleAssignment, User

_ALL_STAFF = {
    Role.VILLAGE_STAFF,
    Role.DISCIPLINE,
    Role.SUPERVISOR,
    Role.WORK_TEAM,
    Role.TOWNSHIP_STAFF,
    Role.COUNTY_ADMIN,
    Role.DEPARTMENT,
}

# permission → roles that carry it
PERMISSIONS: dict[str, set[str]] = {
    # see households and persons (masked personal data) in scope
    "registry.view": set(_ALL_STAFF),
    # create and change households, persons, incomes; life events; imports
    "registry.edit": {Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN},
    # see and export full ID numbers and phone numbers
    "registry.view_full_id": {Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN},
    # export a scope to a spreadsheet (masked unless registry.view_full_id)
    "registry.export": {
        Role.VILLAGE_STAFF,
        Role.SUPERVISOR,
        Role.WORK_TEAM,
        Role.TOWNSHIP_STAFF,
        Role.COUNTY_ADMIN,
    },
    # create and rename villagers' groups
    "core.manage_groups": {Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN},
    # read the audit chain and per-object history
    "core.view_audit": {
        Role.VILLAGE_STAFF,
        Role.SUPERVISOR,
        Role.TOWNSHIP_STAFF,
        Role.COUNTY_ADMIN,
    },
    # enter the official holiday arrangement of a year (the working-day calendar)
    "core.manage_calendar": {Role.COUNTY_ADMIN},
    # grant and revoke role assignments
    "accounts.manage_roles": {Role.COUNTY_ADMIN},
    # see notices in scope, drafts and objections included (public ones need no permission)
    "disclosure.view": set(_ALL_STAFF),
    # draft, publish and withdraw notices
    "disclosure.publish": {Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN},
    # the supervision committee signs off financial notices before they go public
    "disclosure.signoff": {Role.SUPERVISOR},
    # record the outcome of objections (the committee; the township when it steps in)
    "disclosure.handle_objection": {Role.SUPERVISOR, Role.TOWNSHIP_STAFF},
    # see which villages are late with their disclosures
    "disclosure.view_overdue": {Role.SUPERVISOR, Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN},
    # set the disclosure catalogue (which categories how often) for the villages in scope
    "disclosure.manage_catalogue": {Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN},
    # open the feedback pages (意见投诉); which feedback shows depends on the three below, and
    # a feedback about a named cadre never shows to that cadre
    "disclosure.feedback_view": {
        Role.VILLAGE_STAFF,
        Role.SUPERVISOR,
        Role.TOWNSHIP_STAFF,
        Role.COUNTY_ADMIN,
        Role.DISCIPLINE,
    },
    # see ordinary feedback (no cadre named)
    "disclosure.feedback_ordinary": {
        Role.VILLAGE_STAFF,
        Role.SUPERVISOR,
        Role.TOWNSHIP_STAFF,
        Role.COUNTY_ADMIN,
    },
    # see feedback about a named cadre: routed past the village staff
    "disclosure.feedback_sensitive": {
        Role.SUPERVISOR,
        Role.TOWNSHIP_STAFF,
        Role.COUNTY_ADMIN,
        Role.DISCIPLINE,
    },
    # see feedback escalated for being overdue
    "disclosure.feedback_escalated": {Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN, Role.DISCIPLINE},
    # reply to, resolve and close feedback one can see
    "disclosure.feedback_handle": {
        Role.VILLAGE_STAFF,
        Role.SUPERVISOR,
        Role.TOWNSHIP_STAFF,
        Role.DISCIPLINE,
    },
    # name the cadre a complaint is about (the township)
    "disclosure.feedback_assign": {Role.TOWNSHIP_STAFF, Role.DISCIPLINE},
    # see the supervision committee: members, meetings, inspections
    "disclosure.committee_view": {
        Role.VILLAGE_STAFF,
        Role.SUPERVISOR,
        Role.TOWNSHIP_STAFF,
        Role.COUNTY_ADMIN,
        Role.DISCIPLINE,
    },
    # record the committee's members (the township, after the election)
    "disclosure.committee_members": {Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN},
    # record the committee's meetings and inspections
    "disclosure.committee_record": {Role.SUPERVISOR},
    # see the problem ledger
    "disclosure.problem_view": {
        Role.VILLAGE_STAFF,
        Role.SUPERVISOR,
        Role.TOWNSHIP_STAFF,
        Role.COUNTY_ADMIN,
        Role.DISCIPLINE,
    },
    # enter problems and close them (销号): those who check, not those who put things right
    "disclosure.problem_record": {Role.SUPERVISOR, Role.TOWNSHIP_STAFF, Role.DISCIPLINE},
    # report rectification under way
    "disclosure.problem_rectify": {Role.VILLAGE_STAFF, Role.SUPERVISOR, Role.TOWNSHIP_STAFF},
    # the four lists (四清单): county and township templates, a village's adopted and adjusted copy
    "disclosure.manage_lists": {Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN},
    # accept cases (办件) under a village's list item and move them along its steps
    "disclosure.handle_cases": {Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF},
    # record 四议两公开 decisions of the village: meetings, votes, the two disclosures
    "disclosure.decide": {Role.VILLAGE_STAFF},
    # see rulebooks, point events, balances and rankings in scope
    "points.view": {str(r) for r in _ALL_STAFF} - {Role.DEPARTMENT},
    # draft rulebook versions (villages) and templates (townships, counties); record adoption
    "points.manage_rulebook": {Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN},
    # propose points for a household of the village (a cadre; a grid worker of the work team)
    "points.propose": {Role.VILLAGE_STAFF, Role.WORK_TEAM},
    # the village's points review group: approve, adjust, reject; publish the monthly list
    "points.review": {Role.VILLAGE_STAFF},
    # declare points for one's own household (a villager's self-declaration)
    "points.declare": {Role.VILLAGER},
    # see the store: goods, stock, redemptions, reports
    "store.view": {str(r) for r in _ALL_STAFF} - {Role.DEPARTMENT},
    # goods, donations, purchases, write-offs, stocktakes; publish the monthly report
    "store.manage": {Role.VILLAGE_STAFF},
    # redeem at the counter and cancel a redemption of the same day
    "store.redeem": {Role.VILLAGE_STAFF},
    # 三资: see the registers, books, contracts and reports in scope
    "assets.view": {str(r) for r in _ALL_STAFF} - {Role.DEPARTMENT},
    # keep the registers (entries, files, disposals by decision), contracts, schedules and
    # payments; start and reconcile the yearly inventory (清产核资) and publish its summary
    "assets.manage": {Role.VILLAGE_STAFF},
    # count on site during an inventory campaign (with a phone)
    "assets.count": {Role.VILLAGE_STAFF, Role.SUPERVISOR, Role.WORK_TEAM},
    # propose receipts and payments of the village's accounts (村提出); open accounts
    "assets.journal_propose": {Role.VILLAGE_STAFF},
    # the supervision committee reviews each proposed entry (监委会审核)
    "assets.journal_review": {Role.SUPERVISOR},
    # the township's agency bookkeeping (村账乡代管): confirm entries, close months
    "assets.journal_confirm": {Role.TOWNSHIP_STAFF},
    # run the contract checks that file problems in the ledger
    "assets.check": {Role.SUPERVISOR, Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN, Role.DISCIPLINE},
    # 防返贫监测: see monitored households, cases, alerts, measures, campaigns and statistics
    # (health and income details: only inside the scope)
    "monitoring.view": {
        Role.VILLAGE_STAFF,
        Role.SUPERVISOR,
        Role.WORK_TEAM,
        Role.TOWNSHIP_STAFF,
        Role.COUNTY_ADMIN,
    },
    # register an application or a cadre's finding (识别的发起), handle alerts, record home
    # verifications, democratic appraisals and their 公示 (the village and its work team)
    "monitoring.handle": {Role.VILLAGE_STAFF, Role.WORK_TEAM},
    # the information comparison by county departments and the township's review
    "monitoring.review": {Role.TOWNSHIP_STAFF},
    # county approval (审定) of identification and risk elimination
    "monitoring.approve": {Role.COUNTY_ADMIN},
    # keep a monitored household's record: 帮扶责任人, risks, plan, 脱贫户 exit records
    "monitoring.manage": {Role.VILLAGE_STAFF, Role.WORK_TEAM, Role.TOWNSHIP_STAFF},
    # record assistance measures and their follow-up visits
    "monitoring.assist": {Role.VILLAGE_STAFF, Role.WORK_TEAM, Role.TOWNSHIP_STAFF},
    # import a department's data file (医保, 民政, 残联, …) and see its results
    "monitoring.import": {Role.DEPARTMENT, Role.COUNTY_ADMIN},
    # run the registry screening over a region
    "monitoring.screen": {Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN},
    # set the year's thresholds and time limits (a county; a province-level admin for the line)
    "monitoring.policy": {Role.COUNTY_ADMIN},
    # start survey campaigns (回头看) and assign households to cadres
    "monitoring.campaign": {Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN},
    # visit households in a campaign (with a phone)
    "monitoring.visit": {Role.VILLAGE_STAFF, Role.WORK_TEAM, Role.TOWNSHIP_STAFF},
    # 乡村治理: see meetings, rules, the sanitation roster and inspections, selections, care
    # records, workshops, public-welfare jobs and training in scope
    "village.view": {str(r) for r in _ALL_STAFF} - {Role.DEPARTMENT},
    # keep the village's records: meetings and their opinions, rules and acknowledgements, the
    # duty roster, selections, carers and visits, public-welfare jobs, training sessions
    "village.manage": {Role.VILLAGE_STAFF, Role.WORK_TEAM},
    # inspect sanitation (督查) and score sections and yards
    "village.inspect": {Role.VILLAGE_STAFF, Role.SUPERVISOR, Role.TOWNSHIP_STAFF},
    # record the township's transfer runs of the waste chain (乡转运)
    "village.transfer": {Role.TOWNSHIP_STAFF},
    # care for left-behind groups and disabled people: carers and visits (details in scope only)
    "village.care": {Role.VILLAGE_STAFF, Role.WORK_TEAM, Role.TOWNSHIP_STAFF},
    # a villager confirms the current rules on a phone (for the own household)
    "village.acknowledge": {Role.VILLAGER},
    # register workshops, their employment and monthly figures; apply for recognition
    "village.workshop": {Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF},
    # the township's review of a recognition application
    "village.workshop_review": {Role.TOWNSHIP_STAFF},
    # the county's recognition (认定) of a workshop
    "village.workshop_recognise": {Role.COUNTY_ADMIN},
    # a township's training sessions (a village's own are kept under village.manage)
    "village.training": {Role.TOWNSHIP_STAFF},
    # the yearly assessment of workshops (考核) and its criteria sheet
    "village.assess": {Role.TOWNSHIP_STAFF, Role.COUNTY_ADMIN},
}

# The lowest level at which a role may be assigned (a villager belongs to a village, …).
ROLE_LEVELS: dict[str, set[int]] = {
    Role.VILLAGER: {RegionLevel.VILLAGE},
    Role.VILLAGE_STAFF: {RegionLevel.VILLAGE},
    Role.SUPERVISOR: {RegionLevel.VILLAGE},
    Role.WORK_TEAM: {RegionLevel.VILLAGE},
    Role.TOWNSHIP_STAFF: {RegionLevel.TOWNSHIP},
    Role.COUNTY_ADMIN: {RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE},
    Role.DEPARTMENT: {RegionLevel.COUNTY, RegionLevel.TOWNSHIP},
    Role.DISCIPLINE: {RegionLevel.TOWNSHIP},
}


def _assignments(user: User) -> list[tuple[str, str, int]]:
    """(role, region code, region level) of the user's assignments, cached on the user object."""
    cached: list[tuple[str, str, int]] | None = getattr(user, "_cunwu_assignments", None)
    if cached is None:
        cached = list(
            RoleAssignment.objects.filter(user=user).values_list(
                "role", "region_id", "region__level"
            )
        )
        user._cunwu_assignments = cached  # type: ignore[attr-defined]
    return cached


def forget_assignments(user: User) -> None:
    user.__dict__.pop("_cunwu_assignments", None)


def scope_prefixes(user: Any, perm: str) -> list[str] | None:
    """Code prefixes where ``user`` holds ``perm``; ``None`` means everywhere (superuser)."""
    if not getattr(user, "is_authenticated", False):
        return []
    if user.is_superuser:
        return None
    roles = PERMISSIONS[perm]
    prefixes = {
        code_prefix(code, level) for role, code, level in _assignments(user) if role in roles
    }
    # drop prefixes covered by a shorter one
    return sorted(p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes))


def has_perm_in(user: Any, perm: str, region: Region | str) -> bool:
    code = region if isinstance(region, str) else region.code
    prefixes = scope_prefixes(user, perm)
    return prefixes is None or any(code.startswith(p) for p in prefixes)


def require(user: Any, perm: str, region: Region | str) -> None:
    """Raise ``PermissionDenied`` unless ``user`` holds ``perm`` over ``region``."""
    if not has_perm_in(user, perm, region):
        raise PermissionDenied("没有权限执行此操作")


def scope_q(user: Any, perm: str, field: str = "village") -> Q:
    """A filter on a Region foreign key (``field``) restricting rows to the user's scope."""
    prefixes = scope_prefixes(user, perm)
    if prefixes is None:
        return Q()
    if not prefixes:
        return Q(pk__in=[])
    q = Q()
    for prefix in prefixes:
        q |= Q(**{f"{field}__code__startswith": prefix})
    return q


def roles_of(user: Any) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return {role for role, _code, _level in _assignments(user)}


def regions_in_scope(user: Any, perm: str, *, level: int | None = None) -> QuerySet[Region]:
    qs = Region.objects.all()
    prefixes = scope_prefixes(user, perm)
    if prefixes is not None:
        q = Q(pk__in=[])
        for prefix in prefixes:
            q |= Q(code__startswith=prefix)
        qs = Region.objects.filter(q)
    if level is not None:
        qs = qs.filter(level=level)
    return qs.filter(retired=False).order_by("code")


def user_scope_name(user: Any) -> str:
    """The widest region the user works in, for headings: 衡山县, 开云镇, 九龙村委会; else 全部."""
    if user.is_superuser:
        return "全部区划"
    assignments = sorted(_assignments(user), key=lambda a: a[2])
    if not assignments:
        return "村务"
    region = Region.objects.filter(code=assignments[0][1]).first()
    return region.full_name if region else "村务"
