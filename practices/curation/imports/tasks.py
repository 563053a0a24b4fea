"""The import's two background steps, as django-tasks tasks: ``manage.py db_worker`` runs
them (``jobs`` queues them; ``pipeline`` is what they do)."""

from django_tasks import task

from . import pipeline


@task()
def preview_import(job_id: str) -> None:
    pipeline.run_preview(job_id)


@task()
def confirm_import(job_id: str) -> None:
    pipeline.run_confirm(job_id)
