"""The Celery app of Celery mode: ``celery -A videosite worker`` and ``celery -A videosite beat``.

Configured from Django's settings (the ``CELERY_*`` names); the tasks are in videos/tasks.py.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "videosite.settings")

app = Celery("videosite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
