"""Forms of the fund journal pages: they only read input; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import AccountKind, Direction, EntryCategory

ACCEPT = {"accept": "application/pdf,image/png,image/jpeg"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs=dict(ACCEPT)))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class AccountForm(forms.Form):
    village: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="村", queryset=None, to_field_name="code", empty_label=None
    )
    name = forms.CharField(label="账户名称", max_length=60)
    kind = forms.ChoiceField(label="类型", choices=AccountKind.choices, widget=forms.RadioSelect,
                             initial=AccountKind.BANK)  # fmt: skip
    bank_name = forms.CharField(label="开户行", max_length=60, required=False,
                                help_text="银行存款必填")  # fmt: skip
    account_number = forms.CharField(label="账号", max_length=40, required=False)

    def __init__(self, *args: Any, villages: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages  # type: ignore[attr-defined]


class EntryForm(forms.Form):
    account: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="账户", queryset=None, empty_label=None
    )
    date = forms.DateField(label="业务日期", widget=forms.DateInput(attrs={"type": "date"}))
    direction = forms.ChoiceField(label="收支", choices=Direction.choices,
                                  widget=forms.RadioSelect, initial=Direction.RECEIPT)  # fmt: skip
    category = forms.ChoiceField(label="科目", choices=EntryCategory.choices)
    amount = forms.CharField(
        label="金额（元）", max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "如 1234.50"}),
    )  # fmt: skip
    counterparty = forms.CharField(label="对方单位或个人", max_length=100, required=False)
    summary = forms.CharField(label="摘要", max_length=200)
    attachments = MultipleFileField(
        label="附件", required=False, help_text="发票、收据、银行回单：PDF、PNG或JPEG，至多10个"
    )

    def __init__(self, *args: Any, accounts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["account"]
        field.queryset = accounts  # type: ignore[attr-defined]
        field.label_from_instance = (  # type: ignore[attr-defined]
            lambda a: f"{a.village.name} · {a.name}"
        )


class NoteForm(forms.Form):
    note = forms.CharField(label="意见", max_length=200, required=False,
                           help_text="退回时必填")  # fmt: skip


class ReverseForm(forms.Form):
    date = forms.DateField(label="冲销日期", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="冲销原因", max_length=150)


class FileForm(forms.Form):
    file = forms.FileField(label="附件", widget=forms.ClearableFileInput(attrs=dict(ACCEPT)))
