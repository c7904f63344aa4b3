"""Uploads hold full ID numbers: a job left unconfirmed is closed and its file deleted."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cunwu.accounts.models import User
from cunwu.core.models import Region
from cunwu.registry.imports import import_jobs_expire
from cunwu.registry.models import ImportJob, ImportStatus

from .test_import_support import counts
from .test_import_views import _csv, _upload


def test_an_unconfirmed_job_is_closed_after_the_days_and_its_upload_deleted(
    client: Client,
    staff: User,
    jiulong: Region,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    client.force_login(staff)
    _upload(client, django_capture_on_commit_callbacks, _csv(tmp_path))
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.VALID
    upload = Path(job.file.path)
    assert upload.is_file()

    assert import_jobs_expire(older_than=timedelta(days=7)) == 0  # a fresh job stays
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=8))
    call_command("import", "expire", "--days", "7")
    assert "已关闭 1 个超过7天未确认的导入任务" in capsys.readouterr().out

    job.refresh_from_db()
    assert (job.status, bool(job.file), upload.exists()) == (ImportStatus.FAILED, False, False)
    assert job.summary["text"] == "超过7天未确认，上传文件已删除"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registry:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert counts() == (0, 0, 0, 0)
    assert import_jobs_expire(older_than=timedelta(days=7)) == 0  # nothing left to close


def test_expire_refuses_zero_days(db: None) -> None:
    with pytest.raises(CommandError, match="至少为1"):
        call_command("import", "expire", "--days", "0")


def test_a_job_whose_worker_died_is_marked_failed(staff: User, jiulong: Region) -> None:
    old = timezone.now() - timedelta(days=8)
    job = ImportJob.objects.create(
        village=jiulong, created_by=staff, original_name="x.csv", status=ImportStatus.IMPORTING
    )
    fresh = ImportJob.objects.create(
        village=jiulong, created_by=staff, original_name="y.csv", status=ImportStatus.IMPORTING
    )
    ImportJob.objects.filter(pk=job.pk).update(created_at=old)
    import_jobs_expire(older_than=timedelta(days=7))
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert (job.status, fresh.status) == (ImportStatus.FAILED, ImportStatus.IMPORTING)
    assert job.finished_at is not None
