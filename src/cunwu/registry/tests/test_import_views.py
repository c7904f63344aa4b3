"""Import pages: upload → check → preview → confirm → import; who may see a job; bad uploads."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from python_calamine import CalamineWorkbook

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.registry.models import Household, ImportJob, ImportStatus, Person
from cunwu.testing import JIULONG, YANJIANG, make_household, make_id_number

from .test_import_support import counts, row, write_csv

HEAD_ID = make_id_number(51, birth="19750505")
WIFE_ID = make_id_number(52, birth="19770707")


def _csv(tmp_path: Path, rows: list[dict[str, Any]] | None = None) -> bytes:
    rows = rows or [
        row(户编号="1001", 姓名="𠮷一", 与户主关系="户主", 公民身份号码=HEAD_ID, 村民小组="新一组"),
        row(户编号="1001", 姓名="䶮二", 与户主关系="配偶", 公民身份号码=WIFE_ID),
    ]
    return write_csv(tmp_path / "upload.csv", rows).read_bytes()


def _upload(
    client: Client,
    captured: Any,
    content: bytes,
    *,
    name: str = "户籍.csv",
    village: str = JIULONG,
    create_groups: bool = True,
) -> Any:
    data: dict[str, Any] = {"village": village, "file": SimpleUploadedFile(name, content)}
    if create_groups:
        data["create_groups"] = "on"
    with captured(execute=True):
        return client.post(reverse("registry:import_start"), data)


def test_upload_preview_confirm_imports_with_the_background_tasks(
    client: Client,
    staff: User,
    jiulong: Region,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(staff)
    page = client.get(reverse("registry:import_start"))
    assert page.status_code == 200
    assert reverse("registry:import_template") in page.content.decode()

    response = _upload(client, django_capture_on_commit_callbacks, _csv(tmp_path))

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:import_detail", args=[job.pk])
    assert (job.status, job.total_rows, job.processed_rows, job.error_count) == (
        ImportStatus.VALID,
        2,
        2,
        0,
    )
    assert (job.summary["households"], job.summary["persons"]) == (1, 2)
    assert job.summary["new_groups"] == ["新一组"]
    assert counts() == (0, 0, 0, 0)
    detail = client.get(reverse("registry:import_detail", args=[job.pk])).content.decode()
    assert "校验通过，待确认" in detail
    assert "确认导入 2 人" in detail
    assert "将新建村民小组：新一组" in detail
    assert "hx-trigger" not in detail

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(reverse("registry:import_confirm", args=[job.pk]))

    assert confirmed.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert job.finished_at is not None
    assert not job.file  # the upload with full ID numbers is not kept
    assert counts() == (1, 2, 2, 3)  # audit: the group, the household, the file
    assert sorted(Person.objects.values_list("name", flat=True)) == ["䶮二", "𠮷一"]
    assert Household.objects.get().group is not None
    done = client.get(reverse("registry:import_detail", args=[job.pk])).content.decode()
    assert "已完成" in done
    assert "已导入1户，2人" in done


def test_file_with_errors_shows_them_and_offers_the_report(
    client: Client,
    staff: User,
    jiulong: Region,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(staff)
    content = _csv(
        tmp_path,
        [
            row(户编号="1002", 姓名="", 与户主关系="户主", 公民身份号码=HEAD_ID),
            row(户编号="1002", 姓名="某乙", 与户主关系="子", 公民身份号码=HEAD_ID),
        ],
    )
    _upload(client, django_capture_on_commit_callbacks, content, create_groups=False)
    job = ImportJob.objects.get()
    assert (job.status, job.error_count) == (ImportStatus.INVALID, 2)
    assert [(e["row"], e["column"], e["message"]) for e in job.errors] == [
        (2, "姓名", "姓名不能为空"),
        (3, "公民身份号码", "与第2行的公民身份号码重复"),
    ]
    detail = client.get(reverse("registry:import_detail", args=[job.pk])).content.decode()
    assert "共 2 处错误，未导入任何数据" in detail
    assert "与第2行的公民身份号码重复" in detail
    assert "确认导入" not in detail
    report = client.get(reverse("registry:import_errors", args=[job.pk]))
    assert report.status_code == 200
    assert "attachment" in report["Content-Disposition"]
    data = b"".join(report.streaming_content)  # type: ignore[attr-defined]
    rows = CalamineWorkbook.from_filelike(BytesIO(data)).get_sheet_by_index(0).to_python()
    assert [(int(r[0]), r[1], r[2]) for r in rows[1:]] == [
        (2, "姓名", "姓名不能为空"),
        (3, "公民身份号码", "与第2行的公民身份号码重复"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registry:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.INVALID
    assert counts() == (0, 0, 0, 0)


def test_data_changed_after_the_preview_fails_the_import_with_the_reason(
    client: Client,
    staff: User,
    jiulong: Region,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(staff)
    _upload(client, django_capture_on_commit_callbacks, _csv(tmp_path))
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.VALID
    make_household(staff, jiulong, "0888", "抢先", head_id=WIFE_ID)
    before = counts()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registry:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.INVALID
    assert [(e["row"], e["column"], e["message"]) for e in job.errors] == [
        (3, "公民身份号码", "公民身份号码已登记在九龙村委会户0888（抢先）")
    ]
    assert counts() == before


def test_progress_partial_polls_while_running_and_stops_when_finished(
    client: Client, staff: User, jiulong: Region
) -> None:
    job = ImportJob.objects.create(
        village=jiulong,
        created_by=staff,
        original_name="大文件.csv",
        status=ImportStatus.CHECKING,
        total_rows=200,
        processed_rows=50,
    )
    client.force_login(staff)
    url = reverse("registry:import_progress", args=[job.pk])
    running = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in running
    assert f'hx-get="{url}"' in running
    assert '<progress max="200" value="50">25%</progress>' in running
    assert "<html" not in running
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.IMPORTING, processed_rows=0)
    assert "<progress></progress>" in client.get(url).content.decode()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.DONE, processed_rows=200)
    finished = client.get(url).content.decode()
    assert "hx-trigger" not in finished
    assert "已完成" in finished


def test_jobs_of_another_village_are_404_and_without_edit_403(
    client: Client, staff: User, persona: Callable[[str], User], jiulong: Region
) -> None:
    job = ImportJob.objects.create(
        village=jiulong,
        created_by=staff,
        original_name="a.csv",
        status=ImportStatus.INVALID,
        error_report=ContentFile(b"x", name="r.xlsx"),
    )
    urls = [
        ("get", reverse("registry:import_detail", args=[job.pk])),
        ("get", reverse("registry:import_progress", args=[job.pk])),
        ("get", reverse("registry:import_errors", args=[job.pk])),
        ("post", reverse("registry:import_confirm", args=[job.pk])),
    ]
    for name, status in (("另一村的村干部", 404), ("八里村村干部", 404), ("九龙村监委会委员", 403)):
        client.force_login(persona(name))
        for method, url in urls:
            assert getattr(client, method)(url).status_code == status, (name, url)
    client.force_login(persona("开云镇干部"))
    assert client.get(urls[0][1]).status_code == 200
    assert client.get(reverse("registry:import_detail", args=[job.pk + 1])).status_code == 404


@pytest.mark.parametrize("name", ["九龙村监委会委员", "九龙村村民", "衡山县部门用户"])
def test_import_pages_need_edit_permission(
    name: str, client: Client, persona: Callable[[str], User], regions: dict[str, Region]
) -> None:
    client.force_login(persona(name))
    assert client.get(reverse("registry:import_start")).status_code == 403
    assert client.get(reverse("registry:import_template")).status_code == 403


def test_upload_into_another_village_is_refused(
    client: Client,
    persona: Callable[[str], User],
    regions: dict[str, Region],
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(persona("另一村的村干部"))
    response = _upload(client, django_capture_on_commit_callbacks, _csv(tmp_path))
    assert response.status_code == 200  # not a choice of the form: a field error
    assert "village" in response.context["form"].errors
    assert not ImportJob.objects.exists()
    client.force_login(persona("九龙村村干部"))
    page = client.get(reverse("registry:import_start")).content.decode()
    assert f'value="{JIULONG}"' in page
    assert f'value="{YANJIANG}"' not in page


@pytest.mark.parametrize(
    "case",
    [
        ("名单.txt", b"a,b\n", "只能上传xlsx或csv文件（可先下载导入模板）"),
        ("名单.xlsx", b"this is not a zip file", "文件不是有效的xlsx表格"),
        ("名单.csv", b"PK\x03\x04zipped", "文件不是csv文本；xlsx文件请保留.xlsx扩展名"),
        ("名单.csv", b"", "所提交的是空文件。"),
    ],
)
@pytest.mark.usefixtures("jiulong")
def test_bad_upload_is_a_chinese_form_error_and_no_job(
    case: tuple[str, bytes, str],
    client: Client,
    staff: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    name, content, message = case
    client.force_login(staff)
    response = _upload(client, django_capture_on_commit_callbacks, content, name=name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


@override_settings(CUNWU_IMPORT_MAX_BYTES=100)
def test_too_big_upload_is_refused(
    client: Client,
    staff: User,
    jiulong: Region,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(staff)
    response = _upload(client, django_capture_on_commit_callbacks, _csv(tmp_path))
    assert response.status_code == 200
    size = len(_csv(tmp_path))
    assert f"文件太大（{size} 字节），不能超过100 字节" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_that_is_text_but_no_table_ends_invalid_with_the_reason(
    client: Client, staff: User, jiulong: Region, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(staff)
    _upload(client, django_capture_on_commit_callbacks, "你好\n".encode(), name="x.csv")
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.INVALID
    assert [(e["row"], e["column"]) for e in job.errors] == [
        (1, "户编号"),
        (1, "姓名"),
        (1, "与户主关系"),
        (1, "公民身份号码"),
        (1, "你好"),
        (2, ""),
    ]
    assert job.errors[0]["message"] == "缺少必填列“户编号”"
    assert job.errors[4]["message"].startswith("未知的列“你好”，可用的列：户编号、村民小组")
    assert job.errors[5]["message"] == "文件中没有数据行"


def test_template_download(client: Client, staff: User, jiulong: Region) -> None:
    client.force_login(staff)
    response = client.get(reverse("registry:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    sheet = CalamineWorkbook.from_filelike(BytesIO(data)).get_sheet_by_index(0)
    assert sheet.to_python()[0][:3] == ["户编号", "村民小组", "住址"]


def test_import_page_lists_recent_jobs_with_bounded_queries(
    client: Client,
    staff: User,
    persona: Callable[[str], User],
    regions: dict[str, Region],
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(5):
        ImportJob.objects.create(
            village=regions[JIULONG], created_by=staff, original_name=f"第{n}批.csv"
        )
    other = persona("另一村的村干部")
    ImportJob.objects.create(village=regions[YANJIANG], created_by=other, original_name="别村.csv")
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("registry:import_start")).content.decode()
    assert [f"第{n}批.csv" in page for n in range(5)] == [True] * 5
    assert "别村.csv" not in page


@pytest.mark.django_db(transaction=True)
def test_import_progress_is_visible_outside_the_import_transaction_on_postgresql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import DEFAULT_DB_ALIAS, connection, connections

    from cunwu.accounts.models import Role
    from cunwu.registry import imports
    from cunwu.testing import make_user, seed_regions

    if connection.vendor != "postgresql":
        pytest.skip("SQLite allows one writer: there the bar moves when the import ends")
    village = seed_regions()[JIULONG]
    staff = make_user("进度村干部", Role.VILLAGE_STAFF, JIULONG)
    rows = [
        row(户编号=f"30{n:02d}", 姓名=f"户主{n}", 与户主关系="户主",
            公民身份号码=make_id_number(n, birth="19850505"))
        for n in range(1, 5)
    ]  # fmt: skip
    job = ImportJob(
        village=village,
        created_by=staff,
        original_name="p.csv",
        status=ImportStatus.IMPORTING,
        total_rows=4,
    )
    job.file.save("p.csv", ContentFile(_csv(tmp_path, rows)))
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 1)
    seen: list[tuple[int, int]] = []
    original = imports._SideProgress.__call__

    def watched(self: Any, done: int) -> None:
        original(self, done)
        outside = connections.create_connection(DEFAULT_DB_ALIAS)
        with outside.cursor() as cursor:
            cursor.execute("SELECT processed_rows FROM registry_importjob WHERE id = %s", [job.pk])
            (processed,) = cursor.fetchone()
            cursor.execute("SELECT count(*) FROM registry_person")
            (persons,) = cursor.fetchone()
        outside.close()
        seen.append((processed, persons))

    monkeypatch.setattr(imports._SideProgress, "__call__", watched)
    imports.import_job_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed_rows) == (ImportStatus.DONE, 4)
    # each step is visible at once, while the persons wait for the commit
    assert seen == [(1, 0), (2, 0), (3, 0), (4, 0), (4, 0)]
    assert Person.objects.count() == 4
