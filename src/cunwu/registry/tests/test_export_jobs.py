"""Web exports run in the background: job, progress bar, download, scope, expiry of the file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cunwu.accounts.models import RoleAssignment, User
from cunwu.accounts.permissions import forget_assignments
from cunwu.core.models import AuditEvent, Region
from cunwu.registry import exports
from cunwu.registry.exports import export_job_run, export_jobs_expire, households_export
from cunwu.registry.models import ExportJob, ExportStatus, Person
from cunwu.registry.services import person_id_number
from cunwu.testing import JIULONG

from .test_export import XLSX, _register, _sheets


def _start(client: Client, capture: Any, region: str = JIULONG) -> Any:
    with capture(execute=True):
        return client.post(reverse("registry:export_households"), {"region": region})


def _download(client: Client, job: ExportJob) -> Any:
    return client.get(reverse("registry:export_download", args=[job.pk]))


def test_an_export_runs_in_the_background_and_its_file_downloads_with_every_row(
    client: Client,
    staff: User,
    jiulong: Region,
    django_capture_on_commit_callbacks: Any,
    django_assert_max_num_queries: Any,
) -> None:
    _register(staff, jiulong)
    client.force_login(staff)

    response = _start(client, django_capture_on_commit_callbacks)

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:export_detail", args=[job.pk])
    assert (job.status, job.region_id, job.created_by, job.created_at is not None) == (
        ExportStatus.DONE,
        JIULONG,
        staff,
        True,
    )
    assert (job.total_rows, job.processed_rows, job.row_count) == (5, 5, 5)
    assert job.file.name.startswith(f"exports/{timezone.localtime():%Y/%m}/export-{job.pk}-")
    with django_assert_max_num_queries(10):
        detail = client.get(response["Location"])
    html = detail.content.decode()
    assert "已完成" in html
    assert reverse("registry:export_download", args=[job.pk]) in html
    assert "hx-trigger" not in html  # no more polling once done

    download = _download(client, job)
    assert download.status_code == 200
    assert download["Content-Type"] == XLSX
    assert "attachment" in download["Content-Disposition"]
    rows = _sheets(b"".join(download.streaming_content))["九龙村委会224"]
    assert [(r[0], r[4], r[5]) for r in rows[1:]] == [
        ("0001", "𠮷大山", "户主"),
        ("0001", "䶮二妹", "配偶"),
        ("0001", "𠮷小宝", "孙子"),
        ("0001", "张小学", "女"),
        ("0002", "王五", "户主"),
    ]
    assert rows[1][6] == person_id_number(Person.objects.get(name="𠮷大山"))
    # one audit event for the export, none for a download
    _download(client, job)
    assert AuditEvent.objects.filter(action="registry.export", actor=staff).count() == 1


def test_a_job_delivered_twice_exports_once(
    client: Client, staff: User, jiulong: Region, django_capture_on_commit_callbacks: Any
) -> None:
    _register(staff, jiulong)
    client.force_login(staff)
    _start(client, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    name = job.file.name
    export_job_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.file.name) == (ExportStatus.DONE, name)
    assert AuditEvent.objects.filter(action="registry.export").count() == 1


@pytest.mark.parametrize("name", ["另一村的村干部", "八里村村干部", "九龙村村民"])
def test_someone_elses_export_outside_their_scope_is_not_found(
    name: str,
    client: Client,
    staff: User,
    persona: Callable[[str], User],
    jiulong: Region,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _register(staff, jiulong)
    client.force_login(staff)
    _start(client, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    client.force_login(persona(name))
    for url in ("registry:export_detail", "registry:export_progress", "registry:export_download"):
        assert client.get(reverse(url, args=[job.pk])).status_code == 404, url


def test_a_township_officer_over_the_village_may_open_the_villages_export(
    client: Client,
    staff: User,
    persona: Callable[[str], User],
    jiulong: Region,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _register(staff, jiulong)
    client.force_login(staff)
    _start(client, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    client.force_login(persona("开云镇干部"))
    assert client.get(reverse("registry:export_detail", args=[job.pk])).status_code == 200
    assert _download(client, job).status_code == 200


def test_a_supervisors_export_is_masked(
    client: Client,
    staff: User,
    persona: Callable[[str], User],
    jiulong: Region,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _register(staff, jiulong)
    supervisor = persona("九龙村监委会委员")
    client.force_login(supervisor)
    _start(client, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert (job.status, job.row_count) == (ExportStatus.DONE, 5)
    data = b"".join(_download(client, job).streaming_content)
    sheets = _sheets(data)
    head = Person.objects.get(name="𠮷大山")
    assert (sheets["九龙村委会224"][1][6], sheets["九龙村委会224"][1][10]) == (
        head.id_masked,
        "138****2222",
    )
    everything = repr(sheets)
    for person in Person.objects.exclude(id_number_enc=""):
        assert person_id_number(person) not in everything
    assert "13800002222" not in everything
    event = AuditEvent.objects.get(action="registry.export")
    assert (event.actor, event.payload["full_id"]) == (supervisor, False)


def test_the_file_is_deleted_after_a_day_and_the_job_stays(
    client: Client,
    staff: User,
    jiulong: Region,
    django_capture_on_commit_callbacks: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _register(staff, jiulong)
    client.force_login(staff)
    _start(client, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    stored = Path(job.file.path)
    assert stored.is_file()

    assert export_jobs_expire(older_than=timedelta(days=1)) == 0  # a fresh file stays
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=25))
    call_command("export", "expire")
    assert "已删除 1 个超过1天的导出文件" in capsys.readouterr().out

    job.refresh_from_db()
    assert (job.status, bool(job.file), stored.exists()) == (ExportStatus.DONE, False, False)
    assert _download(client, job).status_code == 404
    html = client.get(reverse("registry:export_detail", args=[job.pk])).content.decode()
    assert "文件已超过保留期限被删除" in html
    assert export_jobs_expire(older_than=timedelta(days=1)) == 0  # nothing left to delete


def test_expire_refuses_zero_days(db: None) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="至少为1"):
        call_command("export", "expire", "--days", "0")


def test_the_progress_partial_polls_while_running_and_shows_the_rows(
    client: Client, staff: User, jiulong: Region
) -> None:
    job = ExportJob.objects.create(region=jiulong, created_by=staff)
    client.force_login(staff)
    url = reverse("registry:export_progress", args=[job.pk])

    pending = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert pending.lstrip().startswith('<div id="export-job"')
    assert "<html" not in pending
    assert f'hx-get="{url}"' in pending
    assert "等待处理" in pending

    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, total_rows=5000, processed_rows=2000
    )
    running = client.get(url).content.decode()
    assert '<progress max="5000" value="2000">40%</progress>' in running
    assert "已写出 2000 / 5000 人（40%）" in running
    assert "导出中" in running


def test_households_export_reports_progress_every_thousand_rows_and_at_the_end(
    staff: User, jiulong: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    _register(staff, jiulong)
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)
    seen: list[int] = []
    households_export(actor=staff, region=jiulong, target=BytesIO(), progress=seen.append)
    assert seen == [2, 4, 5]


def test_an_export_whose_requester_lost_the_permission_fails_with_a_chinese_message(
    client: Client, staff: User, jiulong: Region, django_capture_on_commit_callbacks: Any
) -> None:
    _register(staff, jiulong)
    with django_capture_on_commit_callbacks(execute=False):
        job = exports.export_job_create(actor=staff, region=jiulong)
    RoleAssignment.objects.filter(user=staff).delete()
    forget_assignments(staff)
    export_job_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.error, bool(job.file)) == (
        ExportStatus.FAILED,
        "没有权限导出该区划",
        False,
    )
    assert not AuditEvent.objects.filter(action="registry.export").exists()
    client.force_login(staff)  # still the requester: sees why it failed
    assert (
        "没有权限导出该区划"
        in client.get(reverse("registry:export_detail", args=[job.pk])).content.decode()
    )


def test_a_running_export_whose_worker_died_is_marked_failed(staff: User, jiulong: Region) -> None:
    job = ExportJob.objects.create(region=jiulong, created_by=staff, status=ExportStatus.RUNNING)
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=2))
    export_jobs_expire(older_than=timedelta(days=1))
    job.refresh_from_db()
    assert (job.status, job.error) == (ExportStatus.FAILED, "后台任务未完成（已超时），请重新导出")
