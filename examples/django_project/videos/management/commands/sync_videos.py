"""``manage.py sync_videos``: the webhooks' backstop. Run it from cron every few minutes.

Each run, at most ``--limit`` rows per step, every call bounded by a timeout:

1. Uncertain submits: ``client.find_submission`` looks for the job in WaveSpeed's history.
2. Running jobs older than the grace period: their webhook was lost, or never comes (WaveSpeed
   documents deliveries for completed and failed jobs, not for cancelled or timed-out ones).
3. Completed jobs without a file: the video is downloaded into ``VideoJob.output_file``.

Every change is the same conditional UPDATE the webhook makes, so runs may overlap with each
other, with webhooks and with status views. Prints one line of counts; exits 1 on errors.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

import wavevid
from videos.models import FINISHED, Outcome, Status, VideoJob
from videos.wavevid_client import config, get_client


class Command(BaseCommand):
    help = "Resolve uncertain submits, refresh jobs that got no webhook, download finished videos."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=50, help="rows per step (default 50)")
        parser.add_argument(
            "--grace",
            type=float,
            default=None,
            help="seconds before a job with no webhook is polled (default: SYNC_GRACE_SECONDS)",
        )

    def handle(self, *args: Any, limit: int, grace: float | None, **options: Any) -> None:
        client = get_client()
        counts: Counter[str] = Counter()
        self.resolve_uncertain(client, limit, counts)
        self.refresh_running(client, limit, grace, counts)
        self.download_finished(client, limit, counts)
        self.stdout.write(
            f"sync_videos: {counts['resolved']} resolved, {counts['unresolved']} still"
            f" uncertain, {counts['refreshed']} refreshed, {counts['finished']} finished,"
            f" {counts['downloaded']} downloaded, {counts['errors']} errors"
        )
        if counts["errors"]:
            raise CommandError(f"{counts['errors']} errors, listed above")

    def resolve_uncertain(self, client: wavevid.Client, limit: int, counts: Counter[str]) -> None:
        rows = VideoJob.objects.filter(status=Status.UNCERTAIN).order_by("updated_at")[:limit]
        for video in rows:
            uncertain = wavevid.SubmissionUncertainError.from_dict(video.uncertain)
            try:
                job = client.find_submission(uncertain, timeout=config("CALL_TIMEOUT"))
            except wavevid.WavevidError as error:
                self.failed(video, "looking for the job", error, counts)
                continue
            if job is None:  # not identified yet: the history may lag; look again next run
                VideoJob.objects.filter(pk=video.pk).update(updated_at=timezone.now())
                counts["unresolved"] += 1
                continue
            VideoJob.objects.record(video.pk, Outcome.from_job(job))
            counts["resolved"] += 1

    def refresh_running(
        self, client: wavevid.Client, limit: int, grace: float | None, counts: Counter[str]
    ) -> None:
        seconds = config("SYNC_GRACE_SECONDS") if grace is None else grace
        cutoff = timezone.now() - timedelta(seconds=seconds)
        rows = VideoJob.objects.filter(status=Status.RUNNING, created_at__lte=cutoff)
        for video in rows.order_by("updated_at")[:limit]:  # least recently checked first
            try:
                job = client.get_job(video.wavespeed_id, timeout=config("CALL_TIMEOUT"))
            except wavevid.WavevidError as error:
                self.failed(video, "refreshing", error, counts)
                continue
            outcome = Outcome.from_job(job)
            VideoJob.objects.record(video.pk, outcome)
            counts["refreshed"] += 1
            counts["finished"] += outcome.status in FINISHED

    def download_finished(self, client: wavevid.Client, limit: int, counts: Counter[str]) -> None:
        rows = VideoJob.objects.filter(status=Status.COMPLETED, output_file="")
        for video in rows.exclude(output_url="").order_by("finished_at")[:limit]:
            try:
                with tempfile.TemporaryDirectory() as folder:
                    path = client.download(
                        video.output_url,
                        Path(folder) / "video.mp4",
                        timeout=config("DOWNLOAD_TIMEOUT"),
                    )
                    with path.open("rb") as handle:
                        video.output_file.save(f"{video.pk}.mp4", File(handle), save=False)
            except wavevid.WavevidError as error:  # nothing partial is left; next run retries
                self.failed(video, "downloading", error, counts)
                continue
            # Keep the file only if no overlapping run stored one first.
            stored = VideoJob.objects.filter(pk=video.pk, output_file="").update(
                output_file=video.output_file.name, updated_at=timezone.now()
            )
            if stored:
                counts["downloaded"] += 1
            else:
                video.output_file.delete(save=False)

    def failed(self, video: VideoJob, doing: str, error: Exception, counts: Counter[str]) -> None:
        self.stderr.write(f"video {video.pk}: {doing} failed: {error}")
        counts["errors"] += 1
