"""Forms of 惠民资金: the import, publication, reversal and the public query."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from cunwu.core.models import Region

from .benefit_sheets import MAX_UPLOAD_BYTES
from .services import MAX_PERIOD_DAYS
from .services_benefit import MAX_ITEM, MAX_NAME, MAX_REASON


class _RegionChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.full_name)


class BenefitImportForm(forms.Form):
    village = _RegionChoice(label="村", queryset=Region.objects.none(), empty_label=None)
    item = forms.CharField(
        label="补贴项目",
        max_length=MAX_ITEM,
        widget=forms.TextInput(attrs={"list": "benefit-items"}),
        help_text="如 耕地地力保护补贴、残疾人两项补贴、低保金；表格中“补贴项目”列可逐行另填",
    )
    file = forms.FileField(
        label="发放名单（xlsx 或 csv）",
        help_text=(
            "表头：姓名、公民身份号码、金额（元）、发放日期；"
            f"不超过{MAX_UPLOAD_BYTES // 1024 // 1024}MB"
        ),
    )

    def __init__(self, *args: Any, villages: QuerySet[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["village"]
        if isinstance(field, forms.ModelChoiceField):
            field.queryset = villages.select_related("parent__parent")


class BenefitPublishForm(forms.Form):
    period_days = forms.IntegerField(
        label="公示天数",
        min_value=0,
        max_value=MAX_PERIOD_DAYS,
        initial=7,
        help_text="惠民资金一般公示7天；提交后须经村务监督委员会审核才公开",
    )


class BenefitReverseForm(forms.Form):
    reason = forms.CharField(
        label="冲销理由",
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="如：金额填错，已在第N批更正",
    )


class BenefitQueryForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=MAX_NAME)
    id_tail = forms.CharField(
        label="身份证号码后6位",
        max_length=12,
        help_text="最后一位是X的，输入X或x均可",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
