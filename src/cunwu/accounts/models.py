"""Users, role assignments scoped to a region (角色授权), and API tokens."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from cunwu.core.models import Region


class Role(models.TextChoices):
    VILLAGER = "villager", "村民"
    VILLAGE_STAFF = "village_staff", "村干部"
    SUPERVISOR = "supervisor", "村务监督委员"
    WORK_TEAM = "work_team", "驻村工作队"
    TOWNSHIP_STAFF = "township_staff", "乡镇干部"
    COUNTY_ADMIN = "county_admin", "县级管理员"
    DEPARTMENT = "department", "部门用户"
    DISCIPLINE = "discipline", "乡镇纪检"


class User(AbstractUser):
    """A person who logs in, by username or by phone number."""

    display_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号码", max_length=20, null=True, blank=True, unique=True)
    failed_logins = models.PositiveIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    objects: ClassVar[UserManager[User]] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def name(self) -> str:
        return self.display_name or self.username


class RoleAssignment(models.Model):
    """A user holds ``role`` over ``region`` and everything under it."""

    user = models.ForeignKey(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="assignments"
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        Region, verbose_name="区划", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("授权时间", auto_now_add=True)
    created_by = models.ForeignKey(
        User,
        verbose_name="授权人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "角色授权"
        ordering: ClassVar = ["user", "role", "region"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "role", "region"], name="assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.region}"


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 digest is stored."""

    user = models.ForeignKey(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField("用途", max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField("前缀", max_length=8)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("停用时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"
