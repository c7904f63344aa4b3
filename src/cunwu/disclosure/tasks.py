"""Background work of the disclosure module (django-tasks): rendering notices to PDF and PNG.

Production runs it on the database backend (``cunwu db_worker``); tests use the immediate
backend. The task takes the rendering's id and does nothing unless it is still queued, so a
task delivered twice renders once.
"""

from __future__ import annotations

from django_tasks import task

from . import renderings


@task()
def render_notice(rendering_id: int) -> None:
    """Render a notice to its printable PDF or share image and store the file."""
    renderings.rendering_run(rendering_id)
