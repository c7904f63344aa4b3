"""Forms of the registry pages. They check the shape of the input; the services check the rules.

Field names follow the ``field`` of the services' ``ApplicationError`` (``name``, ``id_number``,
``relation``, ``date``, ``amount``, …) so that a service error lands beside its field.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from cunwu.core.errors import ApplicationError
from cunwu.core.formatting import parse_yuan
from cunwu.core.models import Region, VillageGroup

from .models import (
    HEAD,
    HOUSEHOLD_TAGS,
    RELATIONS,
    Household,
    HouseholdStatus,
    IncomeCategory,
    LifeEventKind,
    Person,
    PersonStatus,
)
from .services import PersonData

DATE_FORMAT = "%Y-%m-%d"
NON_HEAD_RELATIONS = [(r, r) for r in RELATIONS if r != HEAD]
# Checkboxes and radios keep their natural width inside the full-width form rows.


def date_field(label: str = "日期", *, required: bool = True) -> forms.DateField:
    """A YYYY-MM-DD date typed into a native date picker."""
    return forms.DateField(
        label=label,
        required=required,
        input_formats=[DATE_FORMAT],
        widget=forms.DateInput(attrs={"type": "date"}, format=DATE_FORMAT),
    )


def _not_future(value: datetime.date | None) -> datetime.date | None:
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError("日期不能晚于今天")
    return value


class VillageChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class GroupChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Groups of one or several villages; the village is named when there are several."""

    def __init__(self, queryset: QuerySet[VillageGroup], *, show_village: bool, **kw: Any):
        super().__init__(queryset, **kw)
        self.show_village = show_village

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.village.name} {obj.name}" if self.show_village else str(obj.name)


# ---------------------------------------------------------------- persons


class PersonFieldsForm(forms.Form):
    """What the registry records of a person (the head of a new household, a new member…)."""

    name = forms.CharField(label="姓名", max_length=50)
    relation = forms.ChoiceField(label="与户主关系", choices=NON_HEAD_RELATIONS)
    id_number = forms.CharField(
        label="公民身份号码", max_length=25, required=False, help_text="18位，末位可为X"
    )
    id_pending_reason = forms.CharField(
        label="暂无身份证号原因",
        max_length=100,
        required=False,
        help_text="身份证号暂缺（如新生儿未落户）时必填",
    )
    gender = forms.ChoiceField(
        label="性别",
        choices=[("", "—"), ("男", "男"), ("女", "女")],
        required=False,
        help_text="有身份证号时按号码自动确定",
    )
    birth_date = date_field("出生日期", required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    ethnicity = forms.CharField(label="民族", max_length=20, required=False, initial="汉族")
    education = forms.CharField(label="文化程度", max_length=20, required=False)
    school_stage = forms.CharField(label="在校生状况", max_length=20, required=False)
    health = forms.CharField(label="健康状况", max_length=50, required=False)
    disability = forms.CharField(label="残疾情况", max_length=50, required=False)
    labour_ability = forms.CharField(label="劳动技能", max_length=20, required=False)
    work_status = forms.CharField(label="务工状况", max_length=20, required=False)
    work_place = forms.CharField(label="务工地点", max_length=100, required=False)
    medical_insurance = forms.BooleanField(
        label="参加医保", required=False, widget=forms.CheckboxInput()
    )
    pension_insurance = forms.BooleanField(
        label="参加养老保险", required=False, widget=forms.CheckboxInput()
    )

    def clean_birth_date(self) -> datetime.date | None:
        return _not_future(self.cleaned_data.get("birth_date"))

    def person_data(self, *, relation: str | None = None) -> PersonData:
        d = self.cleaned_data
        return PersonData(
            name=d["name"],
            relation=relation if relation is not None else d["relation"],
            id_number=d.get("id_number", ""),
            id_pending_reason=d.get("id_pending_reason", ""),
            gender=d.get("gender", ""),
            birth_date=d.get("birth_date"),
            phone=d.get("phone", ""),
            ethnicity=d.get("ethnicity", "") or "汉族",
            education=d.get("education", ""),
            school_stage=d.get("school_stage", ""),
            health=d.get("health", ""),
            disability=d.get("disability", ""),
            labour_ability=d.get("labour_ability", ""),
            work_status=d.get("work_status", ""),
            work_place=d.get("work_place", ""),
            medical_insurance=d.get("medical_insurance", False),
            pension_insurance=d.get("pension_insurance", False),
        )


ARRIVAL_CHOICES = [
    (LifeEventKind.REGISTERED.value, "登记"),
    (LifeEventKind.BIRTH.value, "出生"),
    (LifeEventKind.MARRIAGE_IN.value, "婚入"),
    (LifeEventKind.MOVE_IN.value, "迁入"),
]
DEPARTURE_CHOICES = [
    (LifeEventKind.DEATH.value, "死亡"),
    (LifeEventKind.MARRIAGE_OUT.value, "婚出"),
    (LifeEventKind.MOVE_OUT.value, "迁出"),
]


class PersonAddForm(PersonFieldsForm):
    """A new member: registration, birth (the ID may be pending, with a reason), marriage, move."""

    kind = forms.ChoiceField(label="变动类型", choices=ARRIVAL_CHOICES)
    date = date_field("变动日期")
    note = forms.CharField(label="备注", max_length=200, required=False)

    field_order = ("kind", "date", "name", "relation", "id_number", "id_pending_reason")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate

    def clean_date(self) -> datetime.date | None:
        return _not_future(self.cleaned_data.get("date"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            not str(cleaned.get("id_number", "")).strip()
            and not str(cleaned.get("id_pending_reason", "")).strip()
        ):
            self.add_error(
                "id_pending_reason",
                "未填写公民身份号码时，请填写暂无号码的原因（如：新生儿尚未落户）",
            )
        return cleaned


class PersonUpdateForm(PersonFieldsForm):
    """Change a member. A blank ID number or phone keeps the recorded one."""

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        initial = {
            name: getattr(person, name)
            for name in (
                "name",
                "relation",
                "id_pending_reason",
                "gender",
                "birth_date",
                "ethnicity",
                "education",
                "school_stage",
                "health",
                "disability",
                "labour_ability",
                "work_status",
                "work_place",
                "medical_insurance",
                "pension_insurance",
            )
        }
        kwargs["initial"] = initial | kwargs.get("initial", {})
        super().__init__(*args, **kwargs)
        self.person = person
        if person.relation == HEAD:
            # the head is changed with 变更户主, never by editing a relation
            self.fields["relation"].choices = [(HEAD, HEAD)]  # type: ignore[attr-defined]
        if person.id_masked:
            self.fields["id_number"].help_text = f"当前：{person.id_masked}；留空则不变"
        if person.phone_masked:
            self.fields["phone"].help_text = f"当前：{person.phone_masked}；留空则不变"
            self.fields["clear_phone"] = forms.BooleanField(
                label="删除已登记的联系电话", required=False
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("clear_phone") and cleaned.get("phone"):
            self.add_error("phone", "要删除联系电话时，请不要同时填写新号码")
        return cleaned


class HeadChangeForm(forms.Form):
    new_head = forms.ModelChoiceField(label="新户主", queryset=Person.objects.none())
    old_head_relation = forms.ChoiceField(label="原户主与新户主的关系", choices=NON_HEAD_RELATIONS)

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = household.members.filter(status=PersonStatus.ACTIVE).exclude(relation=HEAD)
        self.fields["new_head"].queryset = members.order_by("id")  # type: ignore[attr-defined]


class PersonLeaveForm(forms.Form):
    kind = forms.ChoiceField(label="变动类型", choices=DEPARTURE_CHOICES)
    date = date_field("变动日期")
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate

    def clean_date(self) -> datetime.date | None:
        return _not_future(self.cleaned_data.get("date"))


class TargetHouseholdForm(forms.Form):
    """Names another household by village and 户编号 (villages where the user may edit)."""

    village = VillageChoiceField(label="目标户所在村", queryset=Region.objects.none())
    number = forms.CharField(label="目标户编号", max_length=30)
    date = date_field("日期")

    def __init__(self, *args: Any, villages: QuerySet[Region], current: Region, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["village"].queryset = villages  # type: ignore[attr-defined]
        self.fields["village"].initial = current.pk
        self.fields["date"].initial = timezone.localdate

    def clean_date(self) -> datetime.date | None:
        return _not_future(self.cleaned_data.get("date"))


class PersonTransferForm(TargetHouseholdForm):
    relation = forms.ChoiceField(label="与目标户户主的关系", choices=NON_HEAD_RELATIONS)


def relation_field_name(person: Person) -> str:
    return f"relation_{person.pk}"


class HouseholdMergeForm(TargetHouseholdForm):
    """合户: every active member of this household joins the target; each needs a relation."""

    def __init__(self, *args: Any, household: Household, **kw: Any) -> None:
        super().__init__(*args, current=household.village, **kw)
        self.members = list(household.members.filter(status=PersonStatus.ACTIVE).order_by("id"))
        for person in self.members:
            self.fields[relation_field_name(person)] = forms.ChoiceField(
                label=f"{person.name}与目标户户主的关系", choices=NON_HEAD_RELATIONS
            )

    def relations(self) -> dict[int, str]:
        return {p.pk: self.cleaned_data[relation_field_name(p)] for p in self.members}


class HouseholdSplitForm(forms.Form):
    """分户: chosen members form a new household in the same village."""

    members = forms.MultipleChoiceField(label="分出的成员", widget=forms.CheckboxSelectMultiple())
    new_head = forms.ChoiceField(label="新户户主")
    number = forms.CharField(label="新户编号", max_length=30)
    date = date_field("分户日期")

    def __init__(self, *args: Any, household: Household, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.candidates = list(
            household.members.filter(status=PersonStatus.ACTIVE)
            .exclude(relation=HEAD)
            .order_by("id")
        )
        choices = [(str(p.pk), p.name) for p in self.candidates]
        self.fields["members"].choices = choices  # type: ignore[attr-defined]
        self.fields["new_head"].choices = [("", "—"), *choices]  # type: ignore[attr-defined]
        self.fields["date"].initial = timezone.localdate
        for person in self.candidates:
            self.fields[relation_field_name(person)] = forms.ChoiceField(
                label=f"{person.name}与新户主的关系（分出时填写）",
                choices=[("", "—"), *NON_HEAD_RELATIONS],
                required=False,
            )

    def clean_date(self) -> datetime.date | None:
        return _not_future(self.cleaned_data.get("date"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = set(cleaned.get("members") or [])
        head = cleaned.get("new_head")
        if head and chosen and head not in chosen:
            self.add_error("new_head", "新户主必须是分出的成员之一")
        for person in self.candidates:
            pk = str(person.pk)
            if pk in chosen and pk != head and not cleaned.get(relation_field_name(person)):
                self.add_error(relation_field_name(person), f"请选择{person.name}与新户主的关系")
        return cleaned

    def chosen(self) -> list[Person]:
        chosen = set(self.cleaned_data["members"])
        return [p for p in self.candidates if str(p.pk) in chosen]

    def head(self) -> Person:
        return next(p for p in self.candidates if str(p.pk) == self.cleaned_data["new_head"])

    def relations(self) -> dict[int, str]:
        return {p.pk: self.cleaned_data.get(relation_field_name(p)) or "" for p in self.chosen()}


# ---------------------------------------------------------------- households


class HouseholdFieldsForm(forms.Form):
    address = forms.CharField(label="住址", max_length=200, required=False)
    tags = forms.MultipleChoiceField(
        label="户类型",
        choices=[(t, t) for t in HOUSEHOLD_TAGS],
        required=False,
        widget=forms.CheckboxSelectMultiple(),
    )


class HouseholdCreateForm(HouseholdFieldsForm, PersonFieldsForm):
    """A new household and its head. The village is one where the user may edit."""

    village = VillageChoiceField(label="村", queryset=Region.objects.none())
    group = GroupChoiceField(
        VillageGroup.objects.none(), show_village=False, label="村民小组", required=False
    )
    number = forms.CharField(label="户编号", max_length=30)

    field_order = ("village", "group", "number", "address", "tags", "name", "id_number")

    def __init__(self, *args: Any, villages: QuerySet[Region], **kw: Any) -> None:
        super().__init__(*args, **kw)
        del self.fields["relation"]  # the head's relation is 户主 by definition
        self.fields["name"].label = "户主姓名"
        self.fields["id_number"].label = "户主公民身份号码"
        self.fields["village"].queryset = villages  # type: ignore[attr-defined]
        ids = [v.pk for v in villages]
        if len(ids) == 1:
            self.fields["village"].initial = ids[0]
        chosen = self.data.get("village") or self.initial.get("village") or (ids[0] if ids else "")
        group_field: GroupChoiceField = self.fields["group"]  # type: ignore[assignment]
        group_field.queryset = VillageGroup.objects.filter(village_id__in=ids).select_related(
            "village"
        )
        group_field.show_village = len(ids) > 1
        # the widget lists the chosen village's groups; the choice is checked against it in clean
        group_field.widget.choices = [("", "—")] + [
            (g.pk, g.name)
            for g in VillageGroup.objects.filter(village_id=chosen).order_by("number", "name")
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        group, village = cleaned.get("group"), cleaned.get("village")
        if group is not None and village is not None and group.village_id != village.pk:
            self.add_error("group", "村民小组不属于所选的村")
        return cleaned


class HouseholdUpdateForm(HouseholdFieldsForm):
    group = GroupChoiceField(
        VillageGroup.objects.none(), show_village=False, label="村民小组", required=False
    )

    field_order = ("group", "address", "tags")

    def __init__(self, *args: Any, household: Household, **kw: Any) -> None:
        kw.setdefault(
            "initial",
            {
                "group": household.group_id,
                "address": household.address,
                "tags": household.tag_list,
            },
        )
        super().__init__(*args, **kw)
        self.fields["group"].queryset = VillageGroup.objects.filter(  # type: ignore[attr-defined]
            village=household.village
        ).order_by("number", "name")


class IncomeForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000)
    category = forms.ChoiceField(label="类别", choices=IncomeCategory.choices)
    amount = forms.CharField(
        label="金额（元）", max_length=20, help_text="最多两位小数，如 12345.60"
    )
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["year"].initial = timezone.localdate().year - 1

    def clean_amount(self) -> int:
        try:
            return parse_yuan(self.cleaned_data["amount"])
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc


# ---------------------------------------------------------------- the list's filters

STATUS_CHOICES = [
    (HouseholdStatus.ACTIVE.value, "在册"),
    (HouseholdStatus.DISSOLVED.value, "已注销"),
    ("all", "全部"),
]


class HouseholdFilterForm(forms.Form):
    """The list page's search box and filters (a GET form; invalid values are ignored)."""

    q = forms.CharField(label="搜索", max_length=50, required=False)
    # any region code: the list offers villages with data, a bookmarked one may have none now
    region = forms.RegexField(label="村", regex=r"^\d{12}$", required=False)
    group = forms.TypedChoiceField(label="村民小组", required=False, coerce=int, empty_value=None)
    tag = forms.ChoiceField(
        label="户类型", required=False, choices=[("", "全部"), *[(t, t) for t in HOUSEHOLD_TAGS]]
    )
    status = forms.ChoiceField(label="状态", required=False, choices=STATUS_CHOICES)

    def __init__(
        self,
        *args: Any,
        villages: list[Region],
        groups: list[VillageGroup],
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        self.region_choices = [("", "全部"), *[(v.code, v.name) for v in villages]]
        self.fields["group"].choices = [  # type: ignore[attr-defined]
            ("", "全部"),
            *[(g.pk, g.name) for g in groups],
        ]

    def value(self, name: str, default: Any = "") -> Any:
        """The cleaned value of one filter, or ``default`` when it is missing or invalid."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value
