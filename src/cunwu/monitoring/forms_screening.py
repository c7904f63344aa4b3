"""Forms of 防返贫监测 (part: screening): the policy line, a screening run, a department
upload, an alert's verification."""

from __future__ import annotations

from django import forms

from .models import Department
from .sheets_screening import TEMPLATES


class PolicyForm(forms.Form):
    region = forms.CharField(label="区划代码", max_length=12)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    income_threshold_yuan = forms.IntegerField(label="监测收入标准（元/人·年）", required=False,
                                               min_value=1, max_value=100_000_000)  # fmt: skip
    income_drop_percent = forms.IntegerField(label="收入骤减预警比例（%）", required=False,
                                             min_value=1, max_value=100)  # fmt: skip
    medical_expense_yuan = forms.IntegerField(label="大额医疗自付预警线（元）", required=False,
                                              min_value=1, max_value=100_000_000)  # fmt: skip
    disclosure_days = forms.IntegerField(label="公示天数", required=False, min_value=5,
                                         max_value=60)  # fmt: skip
    identify_max_workdays = forms.IntegerField(label="识别总时限（工作日）", required=False,
                                               min_value=1, max_value=60)  # fmt: skip
    rigid_expense_yuan = forms.IntegerField(label="刚性支出预警线（元）", required=False,
                                            min_value=1, max_value=100_000_000)  # fmt: skip
    verify_workdays = forms.IntegerField(label="入户核实时限（工作日）", required=False,
                                         min_value=1, max_value=60)  # fmt: skip
    compare_workdays = forms.IntegerField(label="信息比对时限（工作日）", required=False,
                                          min_value=1, max_value=60)  # fmt: skip
    appraise_workdays = forms.IntegerField(label="民主评议时限（工作日）", required=False,
                                           min_value=1, max_value=60)  # fmt: skip
    township_workdays = forms.IntegerField(label="乡镇审核时限（工作日）", required=False,
                                           min_value=1, max_value=60)  # fmt: skip
    county_workdays = forms.IntegerField(label="县级审定时限（工作日）", required=False,
                                         min_value=1, max_value=60)  # fmt: skip
    stable_months = forms.IntegerField(label="风险消除稳定达标月数", required=False,
                                       min_value=1, max_value=60)  # fmt: skip
    note = forms.CharField(label="依据", max_length=200, required=False)


class RunForm(forms.Form):
    region = forms.CharField(label="筛查范围（区划代码）", max_length=12)
    year = forms.IntegerField(label="收入年度", min_value=2000, max_value=2100)


class UploadForm(forms.Form):
    department = forms.ChoiceField(
        label="来源部门",
        choices=[(d, Department(d).label) for d in TEMPLATES],
    )
    region = forms.CharField(label="数据范围（区划代码）", max_length=12)
    file = forms.FileField(label="文件（xlsx 或 csv）")


class HandleForm(forms.Form):
    note = forms.CharField(
        label="核实情况", max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )
