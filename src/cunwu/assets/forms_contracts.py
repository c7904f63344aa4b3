"""Forms of the contract pages: they only read input; the services check the rules."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from cunwu.core.errors import ApplicationError

from .models import AwardMethod, ContractKind

DATE = forms.DateInput(attrs={"type": "date"})
MONEY = {"inputmode": "decimal", "placeholder": "元"}


class ContractForm(forms.Form):
    number = forms.CharField(label="合同编号", max_length=30)
    title = forms.CharField(label="合同名称", max_length=120)
    kind = forms.ChoiceField(label="类型", choices=ContractKind.choices)
    party_name = forms.CharField(label="承租（承包）方", max_length=100)
    party_phone = forms.CharField(
        label="联系电话", max_length=20, required=False, help_text="加密保存，页面只显示部分号码"
    )
    assets: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label="标的（本村台账）", queryset=None, widget=forms.CheckboxSelectMultiple
    )
    signed_on = forms.DateField(label="签订日期", widget=DATE)
    start_date = forms.DateField(label="起始日期", widget=DATE)
    end_date = forms.DateField(label="终止日期", widget=DATE)
    total_price = forms.CharField(label="合同总价款（元）", max_length=20,
                                  widget=forms.TextInput(attrs=MONEY))  # fmt: skip
    annual_price = forms.CharField(label="年租金（承包费，元）", max_length=20,
                                   widget=forms.TextInput(attrs=MONEY))  # fmt: skip
    deposit = forms.CharField(label="保证金（元）", max_length=20, required=False, initial="0",
                              widget=forms.TextInput(attrs=MONEY))  # fmt: skip
    award_method = forms.ChoiceField(label="确定方式", choices=AwardMethod.choices)
    decision: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="民主决策（四议两公开）", queryset=None, required=False, empty_label="（无）"
    )
    schedule = forms.CharField(
        label="付款计划", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="每行一期：款项,应收日期,金额（元），如“第1年,2026-01-01,12000”；"
        "留空则按年租金自起始日期起逐年生成，末期按总价款补足",
    )  # fmt: skip
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, assets: Any, decisions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assets"].queryset = assets  # type: ignore[attr-defined]
        self.fields["assets"].label_from_instance = (  # type: ignore[attr-defined]
            lambda a: f"{a.number} {a.name}（{a.get_status_display()}）"
        )
        self.fields["decision"].queryset = decisions  # type: ignore[attr-defined]

    def schedule_rows(self) -> list[tuple[str, date | str, str]] | None:
        """The typed lines as (label, due date, amount in 元), or None to generate them."""
        text = self.cleaned_data.get("schedule") or ""
        rows: list[tuple[str, date | str, str]] = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if len(parts) != 3:
                raise ApplicationError(
                    "schedule_line", f"付款计划第{n}行应为“款项,日期,金额”", field="schedule"
                )
            rows.append((parts[0], parts[1], parts[2]))
        return rows or None


class PaymentForm(forms.Form):
    date = forms.DateField(label="收款日期", widget=DATE)
    amount = forms.CharField(label="金额（元）", max_length=20, widget=forms.TextInput(attrs=MONEY))
    note = forms.CharField(label="说明", max_length=200, required=False)
    account: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="收入账户", queryset=None, required=False, empty_label="不记入资金收支",
        help_text="选择账户时，同时提出一笔“发包及上交收入”，经监委会审核、乡镇记账",
    )  # fmt: skip

    def __init__(self, *args: Any, accounts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts  # type: ignore[attr-defined]


class ReverseForm(forms.Form):
    reason = forms.CharField(label="冲销理由", max_length=200)


class EndForm(forms.Form):
    date = forms.DateField(label="收回或解除日期", widget=DATE)
    terminated = forms.TypedChoiceField(
        label="方式", choices=[("0", "到期收回"), ("1", "提前解除")], coerce=lambda v: v == "1",
        initial="0", widget=forms.RadioSelect,
    )  # fmt: skip
    reason = forms.CharField(label="说明", max_length=200)


class FileForm(forms.Form):
    file = forms.FileField(label="文件", help_text="PDF或图片（合同文本、招标记录、图纸）")
