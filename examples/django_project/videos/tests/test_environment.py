"""Settings from the environment (videosite/environment.py): a bad value stops the start, loudly,
instead of running with something else."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from videosite.environment import database_from_url, seconds


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-5", "soon", ""])
def test_a_duration_must_be_a_positive_finite_number(monkeypatch, value):
    monkeypatch.setenv("VIDEOS_TEST_SECONDS", value)
    with pytest.raises(ImproperlyConfigured, match="VIDEOS_TEST_SECONDS must be a positive"):
        seconds("VIDEOS_TEST_SECONDS", 60)


def test_a_duration_is_read_or_defaulted(monkeypatch):
    assert seconds("VIDEOS_TEST_SECONDS", 60) == 60.0
    monkeypatch.setenv("VIDEOS_TEST_SECONDS", "2.5")
    assert seconds("VIDEOS_TEST_SECONDS", 60) == 2.5


def test_the_database_urls_options_reach_libpq():
    entry = database_from_url(
        "postgres://videos:s%40cret@db.example:6432/videos"
        "?sslmode=require&connect_timeout=5&conn_max_age=30"
    )
    assert entry["OPTIONS"] == {"sslmode": "require", "connect_timeout": "5"}
    assert (entry["USER"], entry["PASSWORD"], entry["HOST"], entry["PORT"], entry["NAME"]) == (
        "videos", "s@cret", "db.example", "6432", "videos")
    assert entry["CONN_MAX_AGE"] == 30
    assert database_from_url("postgres://videos@db/videos")["CONN_MAX_AGE"] == 60


@pytest.mark.parametrize(
    ("query", "message"),
    [("sslmod=require", 'invalid connection option "sslmod"'),
     ("conn_max_age=soon", "conn_max_age must be a whole number")],
)
def test_an_option_nobody_knows_is_refused(query, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        database_from_url(f"postgres://videos@db/videos?{query}")
