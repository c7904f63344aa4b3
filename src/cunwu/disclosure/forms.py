"""Forms of the disclosure pages. The list of a notice is pasted from a spreadsheet (tab
separated, the first line the header) or uploaded as xlsx/csv."""

from __future__ import annotations

import csv
import io
import re
from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.html import escape

from cunwu.core.errors import ApplicationError
from cunwu.core.models import Region

from .models import Category, Frequency, PeriodUnit
from .services import MAX_PERIOD_DAYS, Period

_HAS_TAG = re.compile(r"<\s*(p|br|strong|b|em|i|u|ul|ol|li|h[234]|table|blockquote|a)\b", re.I)
MAX_TABLE_FILE = 5 * 1024 * 1024


def body_html(text: str) -> str:
    """Text typed into the box: kept as HTML when it is HTML, else one paragraph a line."""
    if _HAS_TAG.search(text):
        return text
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    return "".join(f"<p>{escape(line)}</p>" for line in lines if line)


def table_from_text(text: str) -> dict[str, Any]:
    """Lines pasted from a spreadsheet: cells split by tabs (or commas when there is no tab)."""
    lines = [line for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    if not lines:
        return {}
    delimiter = "\t" if "\t" in lines[0] else ","
    rows = list(csv.reader(lines, delimiter=delimiter))
    width = len(rows[0])
    # spreadsheets drop trailing empty cells of a line: pad them back
    rows = [row + [""] * (width - len(row)) if len(row) < width else row for row in rows]
    return {"columns": rows[0], "rows": rows[1:]}


def table_from_file(upload: UploadedFile[Any]) -> dict[str, Any]:
    if upload.size and upload.size > MAX_TABLE_FILE:
        raise ApplicationError("table_file_big", "名单文件不能超过5 MB", field="table_file")
    data = upload.read()
    name = (upload.name or "").lower()
    if data.startswith(b"PK"):
        from python_calamine import CalamineWorkbook

        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            sheet = book.get_sheet_by_index(0).to_python(skip_empty_area=True)
        except Exception:
            raise ApplicationError(
                "table_file_invalid", "名单文件无法读取，请另存为 xlsx 或 csv 后重试",
                field="table_file",
            ) from None  # fmt: skip
        rows = [[_text(c) for c in row] for row in sheet if any(_text(c) for c in row)]
        return {"columns": rows[0], "rows": rows[1:]} if rows else {}
    if not name.endswith((".csv", ".txt")):
        raise ApplicationError("table_file_type", "名单文件应为 xlsx 或 csv", field="table_file")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return table_from_text(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise ApplicationError("table_file_encoding", "名单文件的编码无法识别", field="table_file")


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def _full_name(region: Region) -> str:
    return str(region.full_name)


class NoticeForm(forms.Form):
    region = forms.ModelChoiceField(Region.objects.none(), label="公开单位")
    category = forms.ChoiceField(label="类别", choices=Category.choices)
    title = forms.CharField(label="标题", max_length=120)
    body = forms.CharField(
        label="正文",
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="每行一段。身份证号、手机号会自动隐去中间数字。",
    )
    table_text = forms.CharField(
        label="名单（从表格复制粘贴）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="第一行为表头；不得包含病情等健康信息。",
    )
    table_file = forms.FileField(
        label="或上传名单文件", required=False, help_text="xlsx 或 csv，第一行为表头"
    )
    period_days = forms.IntegerField(
        label="公示天数",
        min_value=0,
        max_value=MAX_PERIOD_DAYS,
        initial=0,
        help_text="0 表示只公开、不设公示期；监测对象等公示不少于5天",
    )
    period_unit = forms.ChoiceField(
        label="天数计法", choices=PeriodUnit.choices, initial=PeriodUnit.NATURAL
    )
    period_start = forms.DateField(
        label="公示开始日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="留空则从发布之日起算（发布当日不计入）",
    )

    def __init__(self, *args: Any, regions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region_field = cast(forms.ModelChoiceField, self.fields["region"])  # type: ignore[type-arg]
        region_field.queryset = regions if regions is not None else Region.objects.none()
        region_field.label_from_instance = _full_name  # type: ignore[method-assign,assignment]
        if regions is not None:
            first_two = list(regions[:2])
            if len(first_two) == 1:
                region_field.initial = first_two[0]

    def clean_period_start(self) -> Any:
        start = self.cleaned_data.get("period_start")
        if start and start < timezone.localdate():
            raise forms.ValidationError("公示开始日期不能早于今天")
        return start

    def period(self) -> Period | None:
        d = self.cleaned_data
        if not d.get("period_days"):
            return None
        return Period(days=d["period_days"], unit=d["period_unit"], start=d.get("period_start"))

    def table(self) -> dict[str, Any]:
        upload = self.cleaned_data.get("table_file")
        if upload:
            return table_from_file(upload)
        return table_from_text(self.cleaned_data.get("table_text") or "")


class AttachmentForm(forms.Form):
    file = forms.FileField(label="附件", help_text="PDF、PNG 或 JPEG，不超过10 MB")


class SignoffForm(forms.Form):
    approve = forms.TypedChoiceField(
        label="审核结论",
        choices=[("1", "同意公开"), ("0", "退回修改")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="审核意见", max_length=200, required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤回理由", max_length=200)


class HandleObjectionForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label="结论",
        choices=[("1", "异议成立"), ("0", "异议不成立")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    outcome = forms.CharField(
        label="处理结果", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label="异议内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    name = forms.CharField(label="姓名（可不填）", max_length=50, required=False)
    phone = forms.CharField(
        label="联系电话",
        max_length=20,
        required=False,
        help_text="未登录时必填，仅用于告知处理结果，不会公开",
    )


class TrackForm(forms.Form):
    code = forms.CharField(label="查询码", max_length=12)


class RuleForm(forms.Form):
    region = forms.ModelChoiceField(Region.objects.none(), label="适用区划（及其下各村）")
    category = forms.ChoiceField(label="公开类别", choices=Category.choices)
    frequency = forms.ChoiceField(label="频次", choices=Frequency.choices)
    deadline_day = forms.IntegerField(
        label="截止日",
        min_value=1,
        max_value=28,
        initial=20,
        help_text="次月（季度次月）几日前公开",
    )
    note = forms.CharField(label="依据", max_length=200, required=False)

    def __init__(self, *args: Any, regions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region_field = cast(forms.ModelChoiceField, self.fields["region"])  # type: ignore[type-arg]
        region_field.queryset = regions if regions is not None else Region.objects.none()
        region_field.label_from_instance = _full_name  # type: ignore[method-assign,assignment]
