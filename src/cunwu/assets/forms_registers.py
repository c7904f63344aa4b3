"""Forms of the register pages: they only read input (amounts as typed in 元); the services
check the rules and their refusals come back as field errors."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import AssetCategory, AssetStatus, DisposalKind, FileKind

MONEY = {"inputmode": "decimal", "placeholder": "元，如 12000.00"}
DECIMAL = {"inputmode": "decimal"}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LIVE_STATUSES = [(v, label) for v, label in AssetStatus.choices if v != AssetStatus.DISPOSED]
COUNT_STATUSES = [("", "未找到（实物不存在）"), *LIVE_STATUSES]


class AssetForm(forms.Form):
    number = forms.CharField(
        label="台账编号", max_length=20, required=False, help_text="留空则自动编号（如 ZC-0001）"
    )
    category = forms.ChoiceField(label="类别", choices=AssetCategory.choices)
    name = forms.CharField(label="名称", max_length=60)
    location = forms.CharField(label="坐落位置", max_length=200, required=False)
    quantity = forms.CharField(
        label="面积或数量", max_length=20, widget=forms.TextInput(attrs=DECIMAL)
    )
    unit = forms.CharField(label="单位", max_length=10, help_text="如 亩、平方米、台、株")
    original_value = forms.CharField(
        label="原值（元）", max_length=20, required=False, widget=forms.TextInput(attrs=MONEY)
    )
    book_value = forms.CharField(
        label="账面价值（元）", max_length=20, required=False,
        widget=forms.TextInput(attrs=MONEY), help_text="留空则与原值相同",
    )  # fmt: skip
    reference_price = forms.CharField(
        label="参考年租金（元）", max_length=20, required=False,
        widget=forms.TextInput(attrs=MONEY), help_text="评估价或乡镇指导价，合同低于此价会被提示",
    )  # fmt: skip
    acquired_on = forms.DateField(label="取得日期", required=False, widget=DATE)
    source = forms.CharField(
        label="取得方式", max_length=100, required=False, help_text="如 自建、购置、划拨、捐赠"
    )
    status = forms.ChoiceField(label="使用状态", choices=LIVE_STATUSES)
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, villages: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if villages is not None:
            self.fields["village"] = forms.ModelChoiceField(
                label="村", queryset=villages, to_field_name="code", empty_label=None
            )
            self.order_fields(["village"])


class FileForm(forms.Form):
    kind = forms.ChoiceField(
        label="类型", choices=FileKind.choices, widget=forms.RadioSelect, initial=FileKind.PHOTO
    )
    file = forms.FileField(
        label="文件", help_text="照片为PNG或JPEG，文件可为PDF、PNG或JPEG，不超过10MB",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )  # fmt: skip


class DisposalForm(forms.Form):
    kind = forms.ChoiceField(label="处置方式", choices=DisposalKind.choices)
    date = forms.DateField(label="处置日期", widget=DATE)
    decision = forms.ChoiceField(label="民主决策（四议两公开）", choices=[])
    proceeds = forms.CharField(
        label="处置收入（元）", max_length=20, required=False, widget=forms.TextInput(attrs=MONEY)
    )
    counterparty = forms.CharField(label="受让方", max_length=100, required=False)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, decisions: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "请选择已通过决议的事项")] + [(str(d.pk), d.title) for d in decisions]
        field = self.fields["decision"]
        field.choices = choices  # type: ignore[attr-defined]
        field.required = False
        if len(choices) == 1:
            field.help_text = "本村还没有通过决议的民主决策事项，须先办理“四议两公开”"


class StartForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)

    def __init__(self, *args: Any, villages: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"] = forms.ModelChoiceField(
            label="村", queryset=villages, to_field_name="code", empty_label=None
        )
        self.order_fields(["village"])


BIG = {"inputmode": "decimal", "class": "big", "autocomplete": "off"}


class CountForm(forms.Form):
    counted_quantity = forms.CharField(
        label="实盘数量", max_length=20, widget=forms.TextInput(attrs=BIG),
        help_text="实物未找到时填0",
    )  # fmt: skip
    counted_status = forms.ChoiceField(
        label="实际状态", choices=COUNT_STATUSES, required=False,
        widget=forms.Select(attrs={"class": "big"}),
    )  # fmt: skip
    note = forms.CharField(label="现场情况", max_length=500, required=False)
    photo = forms.FileField(
        label="现场照片", required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )  # fmt: skip


class SurplusForm(CountForm):
    category = forms.ChoiceField(label="类别", choices=AssetCategory.choices)
    name = forms.CharField(label="名称", max_length=60)
    unit = forms.CharField(label="单位", max_length=10)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["category", "name", "unit"])
        field = self.fields["counted_status"]
        field.choices = LIVE_STATUSES  # type: ignore[attr-defined]
        field.required = True


class ReconcileForm(forms.Form):
    resolution = forms.CharField(
        label="处理意见", max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    adjust = forms.BooleanField(
        label="按实盘结果调整台账（盘盈则新增台账）", required=False, initial=True
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="台账表格（xlsx或csv）",
        help_text="表头按模板；csv可为UTF-8或GBK编码；不超过8MB；有任何错误则整表不导入",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class ImportConfirmForm(forms.Form):
    token = forms.CharField(max_length=64, widget=forms.HiddenInput)
