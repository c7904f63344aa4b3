"""Forms of the case pages and the public application: they only read input; the services
check the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import SECURITY_CHECKS, CaseSource, Category, RiskType
from .services.cases import COMPARE_ITEMS

DATE = forms.DateInput(attrs={"type": "date"})
TEXT = forms.Textarea(attrs={"rows": 3})
MAX_UPLOAD = 10 * 1024 * 1024


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        items = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(FilesField, self).clean(item, initial) for item in items]


def uploads(files: list[Any]) -> list[tuple[str, bytes]]:
    """(name, bytes) of the uploaded files, at most ``MAX_UPLOAD`` read of each."""
    return [(f.name, f.read(MAX_UPLOAD + 1)) for f in files]


class StepForm(forms.Form):
    attachments = FilesField(label="附件（照片、扫描件，PDF/PNG/JPEG）", required=False)
    on = forms.DateField(label="办理日期", widget=DATE, required=False)


class CaseForm(forms.Form):
    source = forms.ChoiceField(
        label="线索来源",
        choices=[c for c in CaseSource.choices if c[0] != CaseSource.PROPOSAL],
    )
    category = forms.ChoiceField(
        label="拟纳入类型", choices=[("", "（待核实确定）"), *Category.choices], required=False
    )
    risk_types = forms.MultipleChoiceField(
        label="风险类型", choices=RiskType.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    description = forms.CharField(label="情况说明", widget=TEXT, required=False, max_length=2000)
    applicant_name = forms.CharField(label="申请人", max_length=50, required=False)
    applicant_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    commitment_signed = forms.BooleanField(label="已签署承诺授权书", required=False)


class VerifyForm(StepForm):
    passed = forms.TypedChoiceField(
        label="核实结论", choices=[("1", "情况属实，通过"), ("0", "不符合条件，不通过")],
        coerce=lambda v: v == "1", widget=forms.RadioSelect,
    )  # fmt: skip
    findings = forms.CharField(label="核实情况", widget=TEXT, max_length=2000)
    income = forms.CharField(label="年人均纯收入估算（元）", max_length=20, required=False)
    category = forms.ChoiceField(
        label="监测类型", choices=[("", "（不变）"), *Category.choices], required=False
    )
    risk_types = forms.MultipleChoiceField(
        label="风险类型", choices=RiskType.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in SECURITY_CHECKS:
            self.fields[f"check_{key}"] = forms.BooleanField(label=label, required=False)
        self.order_fields(["passed", "findings", *[f"check_{k}" for k, _ in SECURITY_CHECKS]])

    def checks(self) -> dict[str, bool]:
        return {k: bool(self.cleaned_data.get(f"check_{k}")) for k, _ in SECURITY_CHECKS}


class CompareForm(StepForm):
    passed = forms.TypedChoiceField(
        label="比对结论", choices=[("1", "无异常，通过"), ("0", "有不符合条件情形，不通过")],
        coerce=lambda v: v == "1", widget=forms.RadioSelect,
    )  # fmt: skip
    findings = forms.CharField(label="比对情况", widget=TEXT, max_length=2000, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in COMPARE_ITEMS:
            self.fields[f"ok_{key}"] = forms.BooleanField(label=f"{label}无异常", required=False)

    def results(self) -> dict[str, bool]:
        return {k: bool(self.cleaned_data.get(f"ok_{k}")) for k, _ in COMPARE_ITEMS}


class AppraiseForm(StepForm):
    members = forms.IntegerField(label="应到人数（村民代表）", min_value=1, max_value=10_000)
    present = forms.IntegerField(label="实到人数", min_value=0, max_value=10_000)
    votes_for = forms.IntegerField(label="赞成票", min_value=0, max_value=10_000)
    votes_against = forms.IntegerField(label="反对票", min_value=0, max_value=10_000)
    findings = forms.CharField(label="评议情况", widget=TEXT, max_length=2000, required=False)


class DiscloseForm(forms.Form):
    on = forms.DateField(label="办理日期", widget=DATE, required=False)


class TownshipForm(StepForm):
    decision = forms.ChoiceField(
        label="审核意见",
        choices=[("pass", "审核通过，报县级审定"), ("return", "退回村重新入户核实"),
                 ("fail", "不通过")],
        widget=forms.RadioSelect,
    )  # fmt: skip
    findings = forms.CharField(label="审核意见说明", widget=TEXT, max_length=2000, required=False)


class CountyForm(StepForm):
    approved = forms.TypedChoiceField(
        label="审定结论", choices=[("1", "批准"), ("0", "不批准")],
        coerce=lambda v: v == "1", widget=forms.RadioSelect,
    )  # fmt: skip
    findings = forms.CharField(label="审定意见", widget=TEXT, max_length=2000, required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤回理由", max_length=200)


class FileForm(forms.Form):
    attachments = FilesField(label="附件（PDF/PNG/JPEG）")


class ApplyForm(forms.Form):
    village = forms.ChoiceField(label="所在村")
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号码（户内任一成员）", max_length=20)
    phone = forms.CharField(label="联系电话", max_length=20)
    risk_types = forms.MultipleChoiceField(
        label="遇到的困难", choices=RiskType.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    description = forms.CharField(
        label="情况说明", widget=TEXT, max_length=2000, required=False,
        help_text="请简要说明发生了什么（如家人生病住院、受灾、失业）",
    )  # fmt: skip
    commitment_signed = forms.BooleanField(
        label="我承诺所填信息真实，并授权核查家庭收入、财产等信息（承诺授权书）"
    )

    def __init__(self, *args: Any, villages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", "请选择"), *villages]  # type: ignore[attr-defined]


class LookupForm(forms.Form):
    code = forms.CharField(label="查询码", max_length=12)
