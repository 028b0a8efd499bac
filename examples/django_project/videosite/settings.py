"""Settings of the example project: a site that makes videos with wavevid.

Secrets and hosts come from the environment. wavevid reads only the WAVEVID block at the end
(through videos/wavevid_client.py).
"""

import os
from pathlib import Path

from videosite.environment import database_from_url, seconds

BASE_DIR = Path(__file__).resolve().parent.parent

# Production: set DJANGO_SECRET_KEY, DJANGO_DEBUG=0 and DJANGO_ALLOWED_HOSTS.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-insecure-example-only-never-deploy")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost 127.0.0.1").split()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "videos",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "videosite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "videosite.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
    }
}
# Celery mode runs on PostgreSQL: DATABASE_URL=postgres://user:password@host:5432/videos
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": database_from_url(os.environ["DATABASE_URL"])}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Finished videos are saved here by `manage.py sync_videos` (VideoJob.output_file).
MEDIA_ROOT = Path(os.environ.get("VIDEOSITE_MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# wavevid: one Client per process is built from this block (videos/wavevid_client.py).
WAVEVID = {
    # The key comes from the environment, never from code or the repository.
    "API_KEY": os.environ.get("WAVESPEED_API_KEY"),
    # None: https://api.wavespeed.ai. To develop offline, point it at `wavevid fake-server`.
    "BASE_URL": os.environ.get("WAVESPEED_BASE_URL"),
    # The account's whsec_... secret; None: fetched once with client.webhook_secret().
    "WEBHOOK_SECRET": os.environ.get("WAVESPEED_WEBHOOK_SECRET"),
    # Where WaveSpeed can reach this site: https://videos.example.com in production.
    "WEBHOOK_BASE_URL": os.environ.get("VIDEOSITE_PUBLIC_URL", "http://127.0.0.1:8000"),
    "REQUEST_TIMEOUT": 10,  # seconds one HTTP request to WaveSpeed may wait for an answer
    "CALL_TIMEOUT": 15,  # one call in all, retries included: a submit, a sync_videos lookup
    "STATUS_TIMEOUT": 3,  # the status view's refresh: a page never hangs on WaveSpeed
    "DOWNLOAD_TIMEOUT": 300,  # one video download, in sync_videos
    "SYNC_GRACE_SECONDS": 600,  # sync_videos polls a running job with no webhook after this
}

# Celery mode (docs/django.md, "Celery mode"): web processes commit rows and enqueue; workers
# submit, download and sweep. Set CELERY_BROKER_URL (Redis) and DATABASE_URL (PostgreSQL);
# without a broker the views submit inline, as above, and cron runs `manage.py sync_videos`.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL")
CELERY_TASK_ACKS_LATE = True  # a message is acked when its task ends, not when it starts
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # a killed worker process's task is delivered again
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a worker reserves no more messages than it has slots
# A pool process is replaced after this many tasks: its wavevid client remembers each job it
# submitted or adopted (so that no search takes it for another's), a set that only grows.
CELERY_WORKER_MAX_TASKS_PER_CHILD = 1000
# A broker restart must not kill running tasks (a submit between its start and its POST would
# leave its row for a person): they finish, and their message, delivered again, finds it done.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_IGNORE_RESULT = True  # the rows hold the state; no result backend
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # An unacked message goes back to the queue after this many seconds (a worker machine
    # died). More than the longest task (a download: DOWNLOAD_TIMEOUT), or a running task is
    # delivered twice; every retry's countdown is kept below it (MAX_COUNTDOWN).
    "visibility_timeout": seconds("CELERY_VISIBILITY_TIMEOUT", 3600),
    "unacked_restore_interval": seconds("CELERY_RESTORE_INTERVAL", 10),  # how often it looks
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 5,
}
VIDEO_TASKS = {
    "CELERY": bool(CELERY_BROKER_URL),  # the views enqueue instead of submitting
    # The sweep's period (Celery beat), and the ages at which it acts on a row:
    "SWEEP_SECONDS": seconds("VIDEOS_SWEEP_SECONDS", 60),
    # Queued with no submit started: its message was lost. More than any countdown.
    "REQUEUE_SECONDS": seconds("VIDEOS_REQUEUE_SECONDS", 300),
    # Started, no job known: find_submission. More than CALL_TIMEOUT, the submit's own time.
    "LOOK_SECONDS": seconds("VIDEOS_LOOK_SECONDS", 60),
    "UNCERTAIN_SECONDS": seconds("VIDEOS_UNCERTAIN_SECONDS", 1800),  # still none: a person
    "REFRESH_SECONDS": seconds("VIDEOS_REFRESH_SECONDS", 600),  # running, no webhook: get_job
    "RETRY_SECONDS": seconds("VIDEOS_RETRY_SECONDS", 30),  # first wait after a network failure
    "MAX_RETRIES": 8,  # network failures (429s not counted) before a row is REJECTED
    "SWEEP_LIMIT": 100,  # rows per step of one sweep
}
# A sweep starts no new row after this; each call it makes is bounded by CALL_TIMEOUT.
VIDEO_TASKS["SWEEP_BUDGET_SECONDS"] = seconds(
    "VIDEOS_SWEEP_BUDGET_SECONDS", VIDEO_TASKS["SWEEP_SECONDS"]
)
# The longest countdown of a retry (a 429's Retry-After, a network failure's doubling wait):
# under visibility_timeout (else Redis delivers the waiting message again) and REQUEUE_SECONDS
# (else the sweep enqueues the waiting row again), with room for a queue's delay.
VIDEO_TASKS["MAX_COUNTDOWN"] = min(
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"], VIDEO_TASKS["REQUEUE_SECONDS"]
) / 2
CELERY_BEAT_SCHEDULE = {
    "sweep-videos": {
        "task": "videos.tasks.sweep",
        "schedule": VIDEO_TASKS["SWEEP_SECONDS"],
        # Not run if not started within a period: sweeps never pile up behind an outage.
        "options": {"expires": VIDEO_TASKS["SWEEP_SECONDS"]},
    },
}
