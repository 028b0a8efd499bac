"""Settings of the example project: a site that makes videos with wavevid.

Secrets and hosts come from the environment. wavevid reads only the WAVEVID block at the end
(through videos/wavevid_client.py).
"""

import os
from pathlib import Path

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
MEDIA_ROOT = BASE_DIR / "media"
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
