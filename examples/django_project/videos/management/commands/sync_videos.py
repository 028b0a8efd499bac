"""``manage.py sync_videos``: the webhooks' backstop. Run it from cron every few minutes.

Each run, at most ``--limit`` rows per step, every call bounded by a timeout:

1. Uncertain submits: ``client.find_submission`` looks for the job in WaveSpeed's history
   (``videos.identify``: never while another row sent the same input at the same time).
2. Running jobs older than the grace period: their webhook was lost, or never comes (WaveSpeed
   documents deliveries for completed and failed jobs, not for cancelled or timed-out ones). A
   job WaveSpeed no longer knows (it keeps 7 days) is recorded as failed.
3. Completed jobs without a file: the video is downloaded into ``VideoJob.output_file``.

Every change is the same conditional UPDATE the webhook makes, so runs may overlap with each
other, with webhooks and with status views. A row whose step fails is touched, so that it goes
to the back of the line. Prints one line of counts; exits 1 on errors.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

import wavevid
from videos import downloads, identify
from videos.models import FINISHED, JOB_GONE, Outcome, Recorded, Status, VideoJob
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
            try:
                found = identify.look(client, video, config("CALL_TIMEOUT"))
            except wavevid.WavevidError as error:
                self.failed(video, "looking for the job", error, counts)
                continue
            if found.job is None:  # not identified yet: the history may lag; look next run
                VideoJob.objects.filter(pk=video.pk).update(updated_at=timezone.now())
                counts["unresolved"] += 1
                continue
            if VideoJob.objects.record(video.pk, Outcome.from_job(found.job)) is Recorded.TAKEN:
                holder = VideoJob.objects.filter(wavespeed_id=found.job.id).first()
                error = f"its only match, job {found.job.id}, is row {holder and holder.pk}'s"
                self.failed(video, "looking for the job", error, counts)
                continue
            counts["resolved"] += 1

    def refresh_running(
        self, client: wavevid.Client, limit: int, grace: float | None, counts: Counter[str]
    ) -> None:
        seconds = config("SYNC_GRACE_SECONDS") if grace is None else grace
        cutoff = timezone.now() - timedelta(seconds=seconds)
        rows = VideoJob.objects.filter(status=Status.RUNNING, created_at__lte=cutoff)
        for video in rows.order_by("updated_at")[:limit]:  # least recently checked first
            try:
                outcome = Outcome.from_job(
                    client.get_job(video.wavespeed_id, timeout=config("CALL_TIMEOUT"))
                )
            except wavevid.NotFoundError:
                outcome = Outcome(video.wavespeed_id, Status.FAILED, error=JOB_GONE)
            except wavevid.WavevidError as error:
                self.failed(video, "refreshing", error, counts)
                continue
            VideoJob.objects.record(video.pk, outcome)
            counts["refreshed"] += 1
            counts["finished"] += outcome.status in FINISHED

    def download_finished(self, client: wavevid.Client, limit: int, counts: Counter[str]) -> None:
        rows = VideoJob.objects.filter(status=Status.COMPLETED, output_file="")
        for video in rows.exclude(output_url="").order_by("updated_at")[:limit]:
            try:  # stored once, whoever stores it first (videos/downloads.py)
                counts["downloaded"] += downloads.download(client, video)
            except wavevid.WavevidError as error:  # nothing partial is left; next run retries
                self.failed(video, "downloading", error, counts)

    def failed(self, video: VideoJob, doing: str, error: object, counts: Counter[str]) -> None:
        """Report a row's failed step, and touch it: it is looked at last next run."""
        self.stderr.write(f"video {video.pk}: {doing} failed: {error}")
        VideoJob.objects.filter(pk=video.pk).update(updated_at=timezone.now())
        counts["errors"] += 1
