"""Background work of the registry (django-tasks): checking and importing uploaded spreadsheets,
writing requested exports.

Production runs them on the database backend (``cunwu db_worker``); tests use the immediate
backend. Each task takes the job's id and is idempotent: it does nothing unless the job is in
the state the task expects, so a task delivered twice does not import twice.
"""

from __future__ import annotations

from django_tasks import task

from . import exports, imports


@task()
def import_check(job_id: int) -> None:
    """Check an uploaded spreadsheet (the preview), recording progress on the job."""
    imports.import_job_check(job_id)


@task()
def import_run(job_id: int) -> None:
    """Import a checked and confirmed spreadsheet, all or nothing."""
    imports.import_job_run(job_id)


@task()
def export_run(job_id: int) -> None:
    """Write a requested household export to a file, recording progress on the job."""
    exports.export_job_run(job_id)
