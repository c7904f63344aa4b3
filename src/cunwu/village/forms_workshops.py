"""Forms of 乡村车间 (money typed in 元)."""

from __future__ import annotations

from typing import Any

from django import forms

from cunwu.assets.models import Asset, AssetStatus
from cunwu.core.listing import parse_int

from .models_workshops import AssessmentCriterion, PayModel, Workshop, WorkshopStep

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class WorkshopForm(forms.Form):
    name = forms.CharField(label="车间名称", max_length=60)
    operator = forms.CharField(label="经营主体", max_length=60, help_text="企业、合作社或个人")
    operator_phone = forms.CharField(
        label="联系电话", max_length=20, required=False, help_text="修改时留空则保留原号码"
    )
    premises = forms.CharField(label="场所", max_length=200)
    asset = forms.ModelChoiceField(
        label="使用的集体资产", queryset=Asset.objects.none(), required=False,
        help_text="利用闲置集体土地、房屋时选择三资台账中的资产",
    )  # fmt: skip
    products = forms.CharField(label="主要产品", max_length=200)
    pay_model = forms.ChoiceField(label="薪酬方式", choices=PayModel.choices)
    pay_note = forms.CharField(label="薪酬说明", max_length=200, required=False)

    def __init__(self, *args: Any, village: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["asset"]
        if isinstance(field, forms.ModelChoiceField):
            field.queryset = (
                Asset.objects.filter(village_id=village)
                .exclude(status=AssetStatus.DISPOSED)
                .order_by("number")
            )


class StepForm(forms.Form):
    note = forms.CharField(
        label="意见", max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class FileForm(forms.Form):
    file = forms.FileField(label="材料（PDF、JPG、PNG，不超过10 MB）")
    step = forms.ModelChoiceField(
        label="所属环节", queryset=WorkshopStep.objects.none(), required=False,
        help_text="乡镇审核、县级认定的材料可附在相应环节；留空为车间材料",
    )  # fmt: skip

    def __init__(self, *args: Any, workshop: Workshop, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["step"]
        field.queryset = workshop.steps.order_by("at", "pk")
        field.label_from_instance = lambda s: f"{s.get_kind_display()}（{s.at:%Y-%m-%d}）"


class EmploymentForm(forms.Form):
    person = forms.IntegerField(label="人员编号", min_value=1, max_value=2**62)
    start_on = forms.DateField(label="入职日期", widget=DATE)


class EmploymentEndForm(forms.Form):
    end_on = forms.DateField(label="离职日期", widget=DATE)
    reason = forms.CharField(label="离职原因", max_length=200)


class ReportForm(forms.Form):
    month = forms.DateField(label="月份（该月任一天）", widget=DATE)
    headcount = forms.IntegerField(label="用工人数", min_value=0, max_value=10_000)
    poverty_headcount = forms.IntegerField(
        label="其中脱贫人口和监测对象", min_value=0, max_value=10_000
    )
    wages_yuan = forms.DecimalField(
        label="发放工资（元）", min_value=0, max_digits=12, decimal_places=2
    )
    note = forms.CharField(label="更正说明", max_length=200, required=False)


class SheetForm(forms.Form):
    region = forms.ChoiceField(label="制定单位")
    year = forms.IntegerField(label="年度", min_value=2015, max_value=2100)
    name = forms.CharField(label="名称", max_length=60)
    criteria = forms.CharField(
        label="考核项目", widget=forms.Textarea(attrs={"rows": 6}),
        help_text="每行一项：项目名称 分值，如“吸纳就业 40”",
    )  # fmt: skip

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        if isinstance(field, forms.ChoiceField):
            field.choices = regions

    def clean_criteria(self) -> list[tuple[str, int]]:
        out = []
        for n, raw in enumerate(self.cleaned_data["criteria"].splitlines(), start=1):
            line = raw.strip()
            if not line:
                continue
            name, _, raw_score = line.rpartition(" ")
            score = parse_int(raw_score)
            if not name.strip() or score is None:
                raise forms.ValidationError(f"第{n}行应写作“项目名称 分值”")
            out.append((name.strip(), score))
        if not out:
            raise forms.ValidationError("请填写考核项目")
        return out


class AssessForm(forms.Form):
    """One score field per criterion of the sheet (``item_<pk>``)."""

    note = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, *args: Any, criteria: list[AssessmentCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for c in criteria:
            self.fields[f"item_{c.pk}"] = forms.IntegerField(
                label=f"{c.order}. {c.name}（满分{c.max_score}）", min_value=0,
                max_value=c.max_score,
            )  # fmt: skip
        self.order_fields([f"item_{c.pk}" for c in criteria] + ["note"])
