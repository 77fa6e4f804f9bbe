"""The report worker's task: django-tasks, run by `manage.py db_worker` (database backend).

A `ReportJob` row is the domain record (what was asked, by whom, its progress and result, shown
by the coordinators' page); the task only carries the job's id.
"""

from django_tasks import task


@task()
def run_report_job(job_id: int) -> str:
    from .services import run_job

    job = run_job(job_id)
    return job.status if job else "skipped"
