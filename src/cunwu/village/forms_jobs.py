"""Forms of 公益性岗位 (money typed in 元)."""

from __future__ import annotations

from django import forms


class JobPostForm(forms.Form):
    name = forms.CharField(label="岗位名称", max_length=50)
    duties = forms.CharField(label="岗位职责", max_length=300, required=False)
    pay_yuan = forms.DecimalField(
        label="月报酬（元）", min_value=0, max_digits=10, decimal_places=2
    )
    funding = forms.CharField(label="资金来源", max_length=100, required=False)
    positions = forms.IntegerField(label="岗位数", min_value=1, max_value=500)


class JobHolderForm(forms.Form):
    person = forms.IntegerField(label="人员编号", min_value=1)
    start_on = forms.DateField(
        label="上岗日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class JobHolderEndForm(forms.Form):
    end_on = forms.DateField(
        label="离岗日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = forms.CharField(label="离岗原因", max_length=200)


class JobAttendanceForm(forms.Form):
    month = forms.DateField(
        label="月份（该月任一天）",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    days_worked = forms.IntegerField(label="出勤天数", min_value=0, max_value=31)
    deduction_yuan = forms.DecimalField(
        label="扣减（元）", min_value=0, max_digits=10, decimal_places=2, required=False
    )
    deduction_reason = forms.CharField(label="扣减原因", max_length=200, required=False)
    note = forms.CharField(label="更正说明", max_length=200, required=False)


class JobPostRetireForm(forms.Form):
    """撤销岗位 asks nothing: the page is the confirmation."""


class JobAttendanceImportForm(forms.Form):
    month = forms.DateField(
        label="月份", input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )  # fmt: skip
    file = forms.FileField(
        label="考勤表（xlsx或csv）",
        help_text="每行一名在岗人员：户编号，或姓名和人员编号；出勤天数、扣减（元）、扣减原因",
    )
