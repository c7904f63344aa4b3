"""Writes of the accounts app: role assignments, users, lock-outs and API tokens.

Every function checks permission first, validates before it changes anything and appends its
audit event in the same transaction. Passwords and token plaintexts never reach the audit chain.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation

from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import mask_phone, normalize_phone
from cunwu.core.models import AuditEvent, Region, RegionLevel
from cunwu.core.services.audit import audit_append

from .models import ApiToken, Role, RoleAssignment, User
from .permissions import PERMISSIONS, ROLE_LEVELS, forget_assignments, has_perm_in, require

MANAGE = "accounts.manage_roles"
# a user with more live tokens than this is almost certainly leaking them somewhere
MAX_ACTIVE_TOKENS = 20


# ---------------------------------------------------------------- helpers


def check_role_level(role: str, region: Region) -> None:
    """A role may only be held at the levels ROLE_LEVELS allows (a 村干部 at a village, …)."""
    if role not in Role.values:
        raise ApplicationError("role_invalid", "角色不存在", field="role")
    if region.retired:
        raise ApplicationError(
            "region_retired", f"{region.name}已撤销，不能再授予角色", field="region"
        )
    allowed = ROLE_LEVELS[role]
    if region.level not in allowed:
        levels = "、".join(RegionLevel(level).label for level in sorted(allowed))
        raise ApplicationError(
            "role_level",
            f"“{Role(role).label}”只能授予{levels}级区划，"
            f"{region.name}是{RegionLevel(region.level).label}级",
            field="region",
        )


def _county(region: Region) -> Region:
    """The county (or wider unit) whose chain records account-level events."""
    if region.level <= RegionLevel.COUNTY:
        return region
    return Region.objects.get(code=region.code[:6] + "0" * 6)


def _regions_of(user: User) -> list[Region]:
    """The user's assignment regions, widest first."""
    return sorted(
        (a.region for a in RoleAssignment.objects.filter(user=user).select_related("region")),
        key=lambda r: (r.level, r.code),
    )


def _managed_region(actor: User, user: User) -> Region:
    """The widest region of ``user`` that ``actor`` manages; PermissionDenied when none is.

    A county admin manages the people who hold a role somewhere in the county.
    """
    for region in _regions_of(user):
        if has_perm_in(actor, MANAGE, region):
            return region
    raise PermissionDenied("没有权限管理该用户")


def _own_region(user: User) -> Region:
    """The region whose chain records a user's own account events (the county of the widest)."""
    regions = _regions_of(user)
    if not regions:
        raise ApplicationError("user_no_role", "该账号没有任何角色，请先由管理员授予角色")
    return _county(regions[0])


def _clean_display_name(display_name: str) -> str:
    display_name = display_name.strip()
    if not display_name:
        raise ApplicationError("name_empty", "姓名不能为空", field="display_name")
    if len(display_name) > 50:
        raise ApplicationError("name_long", "姓名不能超过50个字", field="display_name")
    return display_name


def _clean_username(username: str) -> str:
    username = username.strip()
    if not username:
        raise ApplicationError("username_empty", "用户名不能为空", field="username")
    if len(username) > 150:
        raise ApplicationError("username_long", "用户名不能超过150个字符", field="username")
    try:
        User.username_validator(username)
    except ValidationError:
        raise ApplicationError(
            "username_invalid",
            "用户名只能包含字母、数字、汉字和 @ . + - _ 这几个符号",
            field="username",
        ) from None
    # log-in accepts a username or a phone, so neither may shadow the other's
    if User.objects.filter(Q(username=username) | Q(phone=username)).exists():
        raise ApplicationError("username_taken", f"用户名“{username}”已被使用", field="username")
    return username


def _clean_phone(phone: str) -> str | None:
    if not phone.strip():
        return None
    normalized = normalize_phone(phone)
    if User.objects.filter(Q(phone=normalized) | Q(username=normalized)).exists():
        raise ApplicationError(
            "phone_taken", f"手机号码{normalized}已被其他账号使用", field="phone"
        )
    return normalized


def _check_password(password: str, user: User) -> None:
    # Django's validators speak Chinese once zh-hans is active (the length rule is our own,
    # accounts.validators); management commands may run without an active language
    with translation.override("zh-hans"):
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            raise ApplicationError(
                "password_invalid", "".join(exc.messages), field="password"
            ) from None


def _assignment_payload(assignment: RoleAssignment) -> dict[str, str | int]:
    return {
        "user_id": assignment.user_id,
        "username": assignment.user.username,
        "user_name": assignment.user.name,
        "role": assignment.role,
        "region": assignment.region_id,
    }


# ---------------------------------------------------------------- role assignments


@transaction.atomic
def assignment_grant(*, actor: User, user: User, role: str, region: Region) -> RoleAssignment:
    """A county admin grants ``role`` over ``region`` inside their scope.

    The role must suit the region's level (ROLE_LEVELS); the same grant twice is refused.
    """
    require(actor, MANAGE, region)
    check_role_level(role, region)
    if RoleAssignment.objects.filter(user=user, role=role, region=region).exists():
        raise ApplicationError(
            "assignment_exists",
            f"{user.name}已是{region.name}的{Role(role).label}",
            field="role",
        )
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(
                user=user, role=role, region=region, created_by=actor
            )
    except IntegrityError as exc:  # a concurrent grant of the same role
        raise ApplicationError(
            "assignment_exists", f"{user.name}已是{region.name}的{Role(role).label}", field="role"
        ) from exc
    audit_append(
        actor=actor,
        region=region,
        action="accounts.assignment_grant",
        obj=assignment,
        payload=_assignment_payload(assignment),
    )
    forget_assignments(user)
    return assignment


@transaction.atomic
def assignment_revoke(*, actor: User, assignment: RoleAssignment) -> None:
    """A county admin revokes an assignment in their scope; nobody removes their own right
    to manage roles (another admin must), so a county is never left without one by accident.
    """
    require(actor, MANAGE, assignment.region)
    if assignment.user_id == actor.pk and assignment.role in PERMISSIONS[MANAGE]:
        raise ApplicationError(
            "revoke_self", "不能撤销自己的管理员角色，请由其他管理员操作", field="assignment"
        )
    payload = _assignment_payload(assignment)
    object_id = str(assignment.pk)
    deleted, _ = RoleAssignment.objects.filter(pk=assignment.pk).delete()
    if not deleted:
        raise ApplicationError("assignment_gone", "该角色授权已被撤销", status=404)
    audit_append(
        actor=actor,
        region=assignment.region,
        action="accounts.assignment_revoke",
        object_type="accounts.roleassignment",
        object_id=object_id,
        payload=payload,
    )
    forget_assignments(assignment.user)


# ---------------------------------------------------------------- users


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    display_name: str,
    phone: str,
    password: str,
    role: str,
    region: Region,
) -> User:
    """A county admin opens an account with its first role in their scope.

    Usernames and phones are unique (and never equal another account's phone or username,
    because either logs in); the password must pass Django's validators.
    """
    require(actor, MANAGE, region)
    check_role_level(role, region)
    username = _clean_username(username)
    display_name = _clean_display_name(display_name)
    normalized_phone = _clean_phone(phone)
    candidate = User(username=username, display_name=display_name, phone=normalized_phone)
    _check_password(password, candidate)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username,
                password=password,
                display_name=display_name,
                phone=normalized_phone,
            )
            assignment = RoleAssignment.objects.create(
                user=user, role=role, region=region, created_by=actor
            )
    except IntegrityError as exc:  # a concurrent create with the same username or phone
        raise ApplicationError("user_exists", "用户名或手机号码已被使用", field="username") from exc
    audit_append(
        actor=actor,
        region=_county(region),
        action="accounts.user_create",
        obj=user,
        payload={
            "username": username,
            "display_name": display_name,
            "phone": mask_phone(normalized_phone) if normalized_phone else "",
            "role": role,
            "region": region.code,
            "assignment": assignment.pk,
        },
    )
    return user


@transaction.atomic
def user_set_active(*, actor: User, user: User, active: bool) -> User:
    """A county admin disables (or re-enables) an account in scope; never their own."""
    region = _managed_region(actor, user)
    if user.pk == actor.pk:
        raise ApplicationError("self_deactivate", "不能停用自己的账号")
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_append(
        actor=actor,
        region=_county(region),
        action="accounts.user_activate" if active else "accounts.user_deactivate",
        obj=user,
        payload={"username": user.username, "active": active},
    )
    return user


@transaction.atomic
def user_unlock(*, actor: User, user: User) -> User:
    """A county admin lifts a log-in lock-out before it expires (and resets the failure count)."""
    region = _managed_region(actor, user)
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    was_locked = user.locked_until.isoformat() if user.locked_until else ""
    user.failed_logins = 0
    user.locked_until = None
    audit_append(
        actor=actor,
        region=_county(region),
        action="accounts.user_unlock",
        obj=user,
        payload={"username": user.username, "locked_until": was_locked},
    )
    return user


# ---------------------------------------------------------------- API tokens


def token_digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


@transaction.atomic
def token_create(
    *, actor: User, user: User, name: str, channel: str = "web"
) -> tuple[ApiToken, str]:
    """A user makes API tokens for themself; a county admin for users in scope.

    Only the SHA-256 digest and the first 8 characters are stored: the plaintext is returned
    once, to be shown once.
    """
    if actor.pk != user.pk:
        _managed_region(actor, user)
    if not user.is_active:
        raise ApplicationError("user_inactive", "该账号已停用，不能创建接口令牌")
    region = _own_region(user)
    name = name.strip()
    if not name:
        raise ApplicationError("token_name_empty", "请填写令牌用途", field="name")
    if len(name) > 100:
        raise ApplicationError("token_name_long", "令牌用途不能超过100个字", field="name")
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise ApplicationError(
            "token_limit", f"每个账号最多{MAX_ACTIVE_TOKENS}个有效令牌，请先停用不用的令牌"
        )
    plaintext = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, digest=token_digest(plaintext), prefix=plaintext[:8]
    )
    audit_append(
        actor=actor,
        region=region,
        action="accounts.token_create",
        obj=token,
        payload={
            "user_id": user.pk,
            "username": user.username,
            "name": name,
            "prefix": token.prefix,
            "channel": channel,
        },
    )
    return token, plaintext


@transaction.atomic
def token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """The owner (or a county admin over the owner) stops a token; it cannot be restarted."""
    if actor.pk != token.user_id:
        _managed_region(actor, token.user)
    now = timezone.now()
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    if not updated:
        raise ApplicationError("token_revoked", "该令牌已停用")
    token.revoked_at = now
    # the stop is recorded on the chain that recorded the start, even if the owner has since
    # lost every role
    created = (
        AuditEvent.objects.filter(
            action="accounts.token_create",
            object_type=ApiToken._meta.label_lower,
            object_id=str(token.pk),
        )
        .select_related("region")
        .first()
    )
    region = created.region if created else _own_region(token.user)
    audit_append(
        actor=actor,
        region=region,
        action="accounts.token_revoke",
        obj=token,
        payload={"user_id": token.user_id, "name": token.name, "prefix": token.prefix},
    )
    return token


def token_authenticate(plaintext: str) -> User | None:
    """The active user behind a live token (and note its use), or None."""
    if not plaintext:
        return None
    token = (
        ApiToken.objects.filter(digest=token_digest(plaintext), revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now: datetime = timezone.now()
    # one write per minute at most: busy clients must not turn every request into an UPDATE
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# fields whose values the chain must not hold: only that they changed
_SECRET_FIELDS = {"password", "password1", "password2", "usable_password"}


def _audit_region(*users: User) -> Region:
    """The chain for an account event: the county of the first user's widest role, else the
    province of the deployment (superusers may hold no role at all)."""
    for user in users:
        regions = _regions_of(user)
        if regions:
            return _county(regions[0])
    province = Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code").first()
    if province is None:
        raise ApplicationError("no_regions", "尚未导入行政区划，无法记录审计事件")
    return province


def user_admin_audit(*, actor: User, user: User, fields: list[str], created: bool) -> None:
    """Record a change made in Django's admin, which bypasses the services: which fields
    changed and, except for passwords, their new values. Call it in the admin's transaction."""
    values: dict[str, object] = {}
    for name in sorted(fields):
        if name in _SECRET_FIELDS:
            values["password"] = "已修改"  # noqa: S105 (a note that it changed, not a password)
        elif name == "phone":
            values[name] = mask_phone(user.phone or "")
        else:
            values[name] = str(getattr(user, name, ""))
    audit_append(
        actor=actor,
        region=_audit_region(user, actor),
        action="accounts.user_admin_create" if created else "accounts.user_admin_change",
        obj=user,
        payload={"username": user.username, "fields": values},
    )
