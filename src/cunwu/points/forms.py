"""Forms of the points pages: rulebook drafting and adoption, proposals and self-declarations,
review, reversal and batch publication. They check shapes; the services check the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from cunwu.disclosure.models import PeriodUnit
from cunwu.registry.models import Person

from .models import CapPeriod, Evidence, Proposer, RulebookVersion, RuleItem, Unit
from .services import (
    DEFAULT_BATCH_PERIOD,
    MAX_DESCRIPTION,
    MAX_ITEM_POINTS,
    MIN_RULEBOOK_PERIOD,
    ItemData,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NUMBER = {"inputmode": "numeric"}
CATEGORIES = ["村民自治", "乡风文明", "平安建设", "美丽家园", "产业发展"]


def item_label(item: RuleItem) -> str:
    """“A01 参加村民会议（+2分，每次；需照片）”: what a proposer needs to choose."""
    points = (
        f"{item.points:+d}分"
        if item.points_min == item.points_max
        else f"{item.points:+d}分，可在{item.points_min:+d}至{item.points_max:+d}间"
    )
    extra = f"；{item.get_evidence_display()}" if item.evidence == Evidence.PHOTO else ""
    return f"{item.code} {item.name}（{points}，{item.get_unit_display()}{extra}）"


def _person_label(person: Person) -> str:
    return f"{person.name}（{person.relation}）"


class ItemForm(forms.Form):
    category = forms.CharField(
        label="类别",
        max_length=30,
        help_text="如：" + "、".join(CATEGORIES),
        widget=forms.TextInput(attrs={"list": "categories"}),
    )
    code = forms.CharField(label="编号", max_length=10, help_text="字母或数字，如 A01")
    name = forms.CharField(label="事项", max_length=100)
    points = forms.IntegerField(
        label="分值",
        min_value=-MAX_ITEM_POINTS,
        max_value=MAX_ITEM_POINTS,
        help_text="加分为正数，扣分为负数",
        widget=forms.NumberInput(attrs=NUMBER),
    )
    points_min = forms.IntegerField(
        label="最低分值（可不填）", required=False, widget=forms.NumberInput(attrs=NUMBER)
    )
    points_max = forms.IntegerField(
        label="最高分值（可不填）",
        required=False,
        help_text="审核时可在最低与最高分值之间调整；不填即不可调整",
        widget=forms.NumberInput(attrs=NUMBER),
    )
    unit = forms.ChoiceField(label="计分单位", choices=Unit.choices)
    cap = forms.IntegerField(
        label="周期上限（分，可不填）",
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs=NUMBER),
    )
    cap_period = forms.ChoiceField(label="上限周期", choices=CapPeriod.choices, initial="year")
    evidence = forms.ChoiceField(label="佐证材料", choices=Evidence.choices)
    proposers = forms.MultipleChoiceField(
        label="可申报人",
        choices=[c for c in Proposer.choices if c[0] != Proposer.SYSTEM],
        widget=forms.CheckboxSelectMultiple,
        initial=[Proposer.VILLAGER, Proposer.CADRE, Proposer.GRID],
    )
    repeat_same_day = forms.BooleanField(label="同一户同日可重复计分", required=False)
    valid_from = forms.DateField(label="有效期起（可不填）", required=False, widget=DATE_WIDGET)
    valid_until = forms.DateField(label="有效期止（可不填）", required=False, widget=DATE_WIDGET)

    def item_data(self) -> ItemData:
        d = self.cleaned_data
        return ItemData(
            category=d["category"], code=d["code"], name=d["name"], points=d["points"],
            points_min=d["points_min"], points_max=d["points_max"], unit=d["unit"],
            cap=d["cap"], cap_period=d["cap_period"], evidence=d["evidence"],
            proposers=list(d["proposers"]), repeat_same_day=d["repeat_same_day"],
            valid_from=d["valid_from"], valid_until=d["valid_until"],
        )  # fmt: skip

    @staticmethod
    def initial_of(item: RuleItem) -> dict[str, Any]:
        return {
            "category": item.category.name, "code": item.code, "name": item.name,
            "points": item.points, "points_min": item.points_min, "points_max": item.points_max,
            "unit": item.unit, "cap": item.cap, "cap_period": item.cap_period,
            "evidence": item.evidence, "proposers": sorted(item.proposer_set),
            "repeat_same_day": item.repeat_same_day, "valid_from": item.valid_from,
            "valid_until": item.valid_until,
        }  # fmt: skip


class ThresholdsField(forms.CharField):
    """“50, 100, 200” (commas, spaces or 、) → [50, 100, 200]."""

    def to_python(self, value: Any) -> list[int]:  # type: ignore[override]
        text = str(value or "")
        for sep in "，、 ;；":
            text = text.replace(sep, ",")
        parts = [p for p in text.split(",") if p.strip()]
        try:
            return [int(p) for p in parts]
        except ValueError:
            raise forms.ValidationError("星级门槛应为用逗号分隔的整数，如 50,100,200") from None

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ",".join(str(v) for v in value)
        return value


class SettingsForm(forms.Form):
    star_thresholds = ThresholdsField(
        label="星级门槛（累计积分）",
        max_length=100,
        help_text="达到第1个数为一星，第2个数为二星……，如 50,100,200,300,500",
    )
    note = forms.CharField(label="修订说明", max_length=200, required=False)


class VersionCreateForm(forms.Form):
    copy_from = forms.ChoiceField(label="起草方式")
    note = forms.CharField(label="修订说明（可不填）", max_length=200, required=False)

    def __init__(
        self, *args: Any, previous: RulebookVersion | None, templates: list[RulebookVersion],
        **kw: Any,
    ) -> None:  # fmt: skip
        super().__init__(*args, **kw)
        choices = []
        if previous is not None:
            choices.append(("previous", f"复制本细则第{previous.number}版修订"))
        choices += [
            (str(t.pk), f"复制{t.rulebook.region.name}模板《{t.rulebook.name}》第{t.number}版")
            for t in templates
        ]
        choices.append(("empty", "从空白开始"))
        field = cast(forms.ChoiceField, self.fields["copy_from"])
        field.choices = choices
        field.initial = choices[0][0]


class AdoptForm(forms.Form):
    resolution_date = forms.DateField(label="村民代表会议表决日期", widget=DATE_WIDGET)
    members_total = forms.IntegerField(
        label="应到代表人数", min_value=1, max_value=10_000, widget=forms.NumberInput(attrs=NUMBER)
    )
    members_present = forms.IntegerField(
        label="实到人数",
        min_value=0,
        max_value=10_000,
        help_text="须有三分之二以上组成人员参加",
        widget=forms.NumberInput(attrs=NUMBER),
    )
    votes_for = forms.IntegerField(
        label="赞成票",
        min_value=0,
        max_value=10_000,
        help_text="须经到会人员过半数同意",
        widget=forms.NumberInput(attrs=NUMBER),
    )
    effective_from = forms.DateField(
        label="拟生效日期（可不填）",
        required=False,
        help_text="公示期满的次日起生效；填写更晚的日期则从该日起生效",
        widget=DATE_WIDGET,
    )
    period_days = forms.IntegerField(
        label="公示天数",
        min_value=1,
        max_value=60,
        initial=MIN_RULEBOOK_PERIOD,
        help_text=f"至少{MIN_RULEBOOK_PERIOD}天",
        widget=forms.NumberInput(attrs=NUMBER),
    )


class TemplatePublishForm(forms.Form):
    confirm = forms.BooleanField(label="确认发布此模板（发布后各村可复制）")


class HouseholdSearchForm(forms.Form):
    q = forms.CharField(label="户编号或姓名", max_length=50, required=False)


class _EventForm(forms.Form):
    item = forms.ModelChoiceField(RuleItem.objects.none(), label="积分事项")
    date = forms.DateField(label="发生日期", widget=DATE_WIDGET)
    description = forms.CharField(
        label="事由",
        max_length=MAX_DESCRIPTION,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photo = forms.FileField(
        label="照片",
        required=False,
        help_text="需照片的事项必须上传；JPEG、PNG、WebP或HEIC，不超过8MB",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def __init__(self, *args: Any, items: QuerySet[RuleItem] | list[RuleItem], **kw: Any) -> None:
        super().__init__(*args, **kw)
        field = cast(forms.ModelChoiceField, self.fields["item"])  # type: ignore[type-arg]
        pks = [i.pk for i in items]
        field.queryset = RuleItem.objects.filter(pk__in=pks).select_related("version")
        field.label_from_instance = item_label  # type: ignore[method-assign,assignment]
        field.choices = [("", "请选择")] + [(i.pk, item_label(i)) for i in items]


class ProposeForm(_EventForm):
    person = forms.ModelChoiceField(
        Person.objects.none(), label="获得人（可不填）", required=False, empty_label="全户"
    )
    points = forms.IntegerField(
        label="分值（可不填）",
        required=False,
        help_text="不填按事项分值；可在事项的最低与最高分值之间",
        widget=forms.NumberInput(attrs=NUMBER),
    )

    def __init__(self, *args: Any, members: QuerySet[Person], **kw: Any) -> None:
        super().__init__(*args, **kw)
        field = cast(forms.ModelChoiceField, self.fields["person"])  # type: ignore[type-arg]
        field.queryset = members
        field.label_from_instance = _person_label  # type: ignore[method-assign,assignment]
        self.order_fields(["person", "item", "date", "points", "description", "photo"])


class DeclareForm(_EventForm):
    """A villager's self-declaration for the own household: the item's points, a photo."""


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="审核结果",
        choices=[("approve", "通过"), ("adjust", "调整分值后通过"), ("reject", "不予通过")],
        widget=forms.RadioSelect,
        initial="approve",
    )
    points = forms.IntegerField(
        label="调整后的分值", required=False, widget=forms.NumberInput(attrs=NUMBER)
    )
    note = forms.CharField(
        label="审核意见", max_length=200, required=False, help_text="调整分值或不予通过须写明理由"
    )

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if d.get("decision") == "adjust" and d.get("points") is None:
            self.add_error("points", "请填写调整后的分值")
        return d


class ReverseForm(forms.Form):
    reason = forms.CharField(label="冲销理由", max_length=200)


class BatchForm(forms.Form):
    title = forms.CharField(
        label="公示标题（可不填）",
        max_length=120,
        required=False,
        help_text="默认：某村某年某月积分公示",
    )
    period_days = forms.IntegerField(
        label="公示天数",
        min_value=1,
        max_value=60,
        initial=DEFAULT_BATCH_PERIOD,
        widget=forms.NumberInput(attrs=NUMBER),
    )
    period_unit = forms.ChoiceField(
        label="计算方式", choices=PeriodUnit.choices, initial=PeriodUnit.NATURAL
    )


class ResetForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)


class RecordAdoptedForm(forms.Form):
    """补录: a version adopted, disclosed on paper and in force before the village used cunwu."""

    resolution_date = forms.DateField(label="村民代表会议表决日期", widget=DATE_WIDGET)
    members_total = forms.IntegerField(
        label="应到代表人数", min_value=1, max_value=10_000, widget=forms.NumberInput(attrs=NUMBER)
    )
    members_present = forms.IntegerField(
        label="实到人数",
        min_value=0,
        max_value=10_000,
        help_text="须有三分之二以上组成人员参加",
        widget=forms.NumberInput(attrs=NUMBER),
    )
    votes_for = forms.IntegerField(
        label="赞成票",
        min_value=0,
        max_value=10_000,
        help_text="须经到会人员过半数同意",
        widget=forms.NumberInput(attrs=NUMBER),
    )
    disclosed_from = forms.DateField(label="纸质公示开始日期", widget=DATE_WIDGET)
    disclosed_until = forms.DateField(
        label="纸质公示截止日期",
        help_text=f"公示期不少于{MIN_RULEBOOK_PERIOD}天",
        widget=DATE_WIDGET,
    )
    effective_from = forms.DateField(
        label="施行日期", help_text="公示期满后开始施行的日期，不晚于今天", widget=DATE_WIDGET
    )


class OpeningForm(forms.Form):
    """期初结转 of one household."""

    cumulative = forms.IntegerField(
        label="累计积分", min_value=0, max_value=1_000_000, widget=forms.NumberInput(attrs=NUMBER)
    )
    available = forms.IntegerField(
        label="可用积分",
        min_value=0,
        max_value=1_000_000,
        help_text="尚未兑换的积分，不大于累计积分",
        widget=forms.NumberInput(attrs=NUMBER),
    )
    as_of = forms.DateField(label="结转日期", widget=DATE_WIDGET)


class OpeningUploadForm(forms.Form):
    as_of = forms.DateField(
        label="结转日期", help_text="纸质台账结账的日期，适用于整个文件", widget=DATE_WIDGET
    )
    file = forms.FileField(
        label="期初积分表（xlsx或csv）",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class OpeningConfirmForm(forms.Form):
    token = forms.CharField(max_length=64, widget=forms.HiddenInput)
