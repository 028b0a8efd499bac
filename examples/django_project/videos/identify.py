"""Finding the job of a submit that got no answer, for the sweeps (Celery mode's and
``sync_videos``): ``client.find_submission``, which adopts a job only when its input is the body
sent, and never while another row sent a body it would match at the same time.

Two rows with the same input (a double click) started together make two jobs that input cannot
tell apart: adopting "the" match could give one row the other's job, and the other row, which
paid, nothing. Such rows are left to their webhooks (each job's URL names its own row) and, when
none comes, to a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Q

import wavevid

from .models import Status, VideoJob

CLOCK_SLACK = timedelta(seconds=5)
"""Added to both rows' clock offsets when comparing their windows: more than wavevid's own
slack (a wider margin only leaves more rows to webhooks and people, never adopts more)."""
MAX_OFFSET = 3600.0
"""The largest clock offset wavevid believes (its MAX_CLOCK_OFFSET)."""
NEAR = timedelta(hours=3)
"""Rows started this close are compared at all: more than any window and both offsets."""


@dataclass
class Look:
    """What one look found: the job identified, else what a person needs to decide."""

    job: wavevid.Job | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    twins: list[str] = field(default_factory=list)  # rows that sent the same input then

    def reason(self, started: str, waited: float) -> str:
        """Why the row goes to a person, for its ``error``."""
        if self.twins:
            return (f"the submit started at {started}; rows {', '.join(self.twins)} sent the"
                    " same input at the same time, so their jobs cannot be told apart by input,"
                    " and no webhook settled them: look at WaveSpeed's history for both")
        return (f"the submit started at {started} and no job was identified in {int(waited)} s;"
                f" {len(self.candidates)} candidate(s). The worker may have died before or"
                " after its POST: look in WaveSpeed's history (and the candidates) before"
                " submitting again")


def look(client: wavevid.Client, video: VideoJob, timeout: float) -> Look:
    """Look once for row ``video``'s job. Raises ``wavevid.WavevidError`` (unreachable)."""
    reference = wavevid.SubmissionUncertainError.from_dict(video.uncertain)
    twins = twins_of(video, reference)
    if twins:
        return Look(twins=twins)
    job = client.find_submission(reference, timeout=timeout)
    seen = {c["id"]: c for c in video.candidates or []}  # earlier looks' too: a job this
    for c in reference.candidates:  # client adopted is no candidate of its later looks
        created = c.created_at and c.created_at.isoformat()
        seen[c.id] = {"id": c.id, "status": c.status, "created_at": created}
    held = dict(VideoJob.objects.filter(wavespeed_id__in=seen).exclude(pk=video.pk)
                .values_list("wavespeed_id", "pk"))
    for key, candidate in seen.items():
        candidate["held_by"] = str(held[key]) if key in held else None
    return Look(job=job, candidates=list(seen.values()))


def twins_of(video: VideoJob, reference: wavevid.SubmissionUncertainError) -> list[str]:
    """Rows holding no job yet whose submit, in a window that overlaps this one's, sent a body
    this row's reference matches (every key sent equal): their job would pass for this row's."""
    others = VideoJob.objects.filter(
        Q(status=Status.SUBMITTING) | Q(status=Status.UNCERTAIN),
        model_path=reference.model, wavespeed_id="", uncertain__isnull=False,
        submitted_at__range=(reference.submitted_at - NEAR, reference.answered_at + NEAR),
    ).exclude(pk=video.pk)
    found = []
    for other in others:
        theirs = wavevid.SubmissionUncertainError.from_dict(other.uncertain)
        reach = CLOCK_SLACK + _skew(reference) + _skew(theirs)
        overlaps = (theirs.submitted_at - reach <= reference.answered_at
                    and theirs.answered_at + reach >= reference.submitted_at)
        same = all(theirs.input_digests.get(k) == v for k, v in reference.input_digests.items())
        if overlaps and same and reference.input_digests:
            found.append(str(other.pk))
    return found


def _skew(error: wavevid.SubmissionUncertainError) -> timedelta:
    """Its clock offset, as wavevid bounds it (a stored value may carry anything)."""
    offset = abs(error.clock_offset)
    return timedelta(seconds=offset if offset <= MAX_OFFSET else MAX_OFFSET)
