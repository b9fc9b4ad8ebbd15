"""The local runtime: a Superset process, its Celery worker for schedules, a mail sink."""
