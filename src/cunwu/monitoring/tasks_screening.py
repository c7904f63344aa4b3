"""Background work of the screening (django-tasks): a screening run, a department import.

Each task takes the row's id and is idempotent: a run or import not in the state the task
expects is left alone, so a task delivered twice does not screen or import twice."""

from __future__ import annotations

from django_tasks import task

from .services import screening


@task()
def screening_task(run_id: int) -> None:
    screening.screening_execute(run_id)


@task()
def import_task(import_id: int) -> None:
    screening.department_import_process(import_id)
