"""Models of the rules part of 乡村治理: 村规民约、乡风文明公约、清廉公约."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from cunwu.core.models import Region

__all__ = ["Rule", "RuleKind"]


class RuleKind(models.TextChoices):
    VILLAGE = "village", "村规民约"
    CIVILITY = "civility", "乡风文明公约"
    INTEGRITY = "integrity", "清廉公约"


class Rule(models.Model):
    """One rule text of a village and kind; its versions carry the clauses and adoption."""

    village = models.ForeignKey(
        Region, verbose_name="村", on_delete=models.PROTECT, related_name="village_rules"
    )
    kind = models.CharField("类别", max_length=12, choices=RuleKind.choices)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "村规民约与公约"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["village", "kind"], name="village_rule_one_per_kind"),
            models.CheckConstraint(
                condition=models.Q(kind__in=RuleKind.values), name="village_rule_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()
