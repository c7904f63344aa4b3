"""clean_person and person_fields: the validation and stored values shared by forms and import."""

from __future__ import annotations

import dataclasses
from datetime import date

from cunwu.core.crypto import blind_index
from cunwu.registry.models import Person
from cunwu.registry.services import (
    ID_CONTEXT,
    CleanPerson,
    PersonData,
    clean_person,
    person_fields,
    person_id_number,
    person_phone,
)

NUMBER = "11010519491231002X"


def test_clean_person_leaves_the_callers_data_as_it_was() -> None:
    data = PersonData(name="  王  芳 ", relation=" 配偶 ", id_number="11010519491231002x")
    before = dataclasses.asdict(data)
    clean = clean_person(data, today=date(2026, 11, 25))
    assert dataclasses.asdict(data) == before
    assert clean.data is not data
    assert (clean.data.name, clean.data.relation, clean.id_number) == ("王 芳", "配偶", NUMBER)
    assert (clean.data.gender, clean.data.birth_date) == ("女", date(1949, 12, 31))
    assert type(clean.data) is PersonData


def test_person_fields_of_a_person_with_id_number_and_phone() -> None:
    clean = clean_person(
        PersonData(
            name="王芳",
            relation="户主",
            id_number=NUMBER,
            phone="138 0013 8000",
            education=" 初中 ",
            medical_insurance=True,
        ),
        today=date(2026, 11, 25),
    )
    fields = person_fields(clean)
    person = Person(**fields)
    assert person_id_number(person) == NUMBER
    assert person_phone(person) == "13800138000"
    expected = {
        "name": "王芳",
        "relation": "户主",
        "gender": "女",
        "birth_date": date(1949, 12, 31),
        "ethnicity": "汉族",
        "education": "初中",
        "school_stage": "",
        "health": "",
        "disability": "",
        "labour_ability": "",
        "work_status": "",
        "work_place": "",
        "medical_insurance": True,
        "pension_insurance": False,
        "id_pending_reason": "",
        "id_number_enc": fields["id_number_enc"],
        "id_number_index": blind_index(NUMBER, context=ID_CONTEXT),
        "id_masked": "110105********002X",
        "id_tail": "31002X",
        "phone_enc": fields["phone_enc"],
        "phone_masked": "138****8000",
    }
    assert fields == expected
    assert list(fields) == list(expected)
    assert fields["id_number_index"] == clean.id_index


def test_person_fields_of_a_person_without_id_number_or_phone() -> None:
    clean = CleanPerson(
        data=PersonData(name="王小宝", relation="子", id_pending_reason=" 新生儿未办理 ")
    )
    fields = person_fields(clean)
    assert {k: fields[k] for k in ("id_number_enc", "id_masked", "id_tail", "phone_enc")} == (
        dict.fromkeys(("id_number_enc", "id_masked", "id_tail", "phone_enc"), "")
    )
    assert (fields["id_number_index"], fields["phone_masked"]) == (None, "")
    assert fields["id_pending_reason"] == "新生儿未办理"
