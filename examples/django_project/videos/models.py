"""One row per video request, keyed by our own UUID.

The UUID exists before WaveSpeed knows the job: it is in the webhook URL. So a delivery always
finds its row, even one that arrives before the create view has stored the WaveSpeed job id, and
even for a submit whose answer was lost.
"""

from __future__ import annotations

import datetime
import enum
import logging
import uuid
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone

if TYPE_CHECKING:
    import wavevid

logger = logging.getLogger(__name__)


class Status(models.TextChoices):
    SUBMITTING = "submitting"  # the row is committed; the submit is in flight
    UNCERTAIN = "uncertain"  # the submit may have reached WaveSpeed: never resubmit
    REJECTED = "rejected"  # the submit was refused, or never sent: nothing to pay
    RUNNING = "running"  # WaveSpeed has the job: created, queued or processing
    COMPLETED = "completed"  # from here on, WaveSpeed's own terminal statuses
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMEOUT = "timeout"


FINISHED = frozenset({Status.COMPLETED, Status.FAILED, Status.CANCELLED, Status.TIMEOUT})
"""WaveSpeed's terminal statuses: a row in one of them never changes again (but for its file).
REJECTED is not one: a signed webhook for a rejected row proves that the job exists after all
(a gateway error can hide an accepted submit), and is recorded."""

JOB_GONE = "WaveSpeed no longer knows this job (it keeps jobs for 7 days)"
"""The error of a running row whose job WaveSpeed answers 404 for: recorded as failed."""


@dataclass(frozen=True)
class Outcome:
    """What WaveSpeed says about a job: from a webhook payload, or from a ``wavevid.Job``."""

    job_id: str
    status: str
    error: str = ""
    code: int | None = None
    output_url: str = ""

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Outcome:
        """From a verified webhook payload. ValueError when it names no job or status."""
        job_id, status = payload.get("id"), payload.get("status")
        if not isinstance(job_id, str) or not job_id or not isinstance(status, str):
            raise ValueError("the delivery names no job id or status")
        code = payload.get("code")  # not in WaveSpeed's documented payload; polls carry it
        return cls(
            job_id=job_id,
            status=_ours(status),
            error=str(payload.get("error") or ""),
            code=code if isinstance(code, int) and code else None,
            output_url=_first_url(payload.get("outputs")),
        )

    @classmethod
    def from_job(cls, job: wavevid.Job) -> Outcome:
        """From a ``wavevid.Job`` (``client.submit``, ``get_job``, ``find_submission``)."""
        return cls(job.id, _ours(job.status), job.error, job.code, _first_url(job.outputs))


def _ours(status: str) -> str:
    """WaveSpeed's status as ours: a terminal one as it is; any other means running."""
    return status if status in FINISHED else Status.RUNNING


def _first_url(outputs: object) -> str:
    if isinstance(outputs, list) and outputs and isinstance(outputs[0], str):
        return outputs[0]
    return ""


class Recorded(enum.Enum):
    """What ``VideoJob.objects.record`` did; true only when it changed the row."""

    CHANGED = "changed"
    UNCHANGED = "unchanged"  # a finished row, or one that knows another job: a repeat
    TAKEN = "taken"  # another row holds this job (one row per job): refused, for a person

    def __bool__(self) -> bool:
        return self is Recorded.CHANGED


class VideoJobQuerySet(models.QuerySet):
    def record(self, pk: uuid.UUID, outcome: Outcome) -> Recorded:
        """Store what WaveSpeed says about row ``pk`` in one UPDATE.

        A finished row never changes again, and a row never takes news of another job. So a
        repeated, late or out-of-order report (webhook, status view or sync_videos, in any order,
        from any process) changes nothing, and no lock is needed. A job that another row holds
        is refused by the database (one row per job): logged, the row touched (the sweeps look
        at it last), and ``TAKEN`` returned, inside any transaction (ATOMIC_REQUESTS).
        """
        now = timezone.now()
        fields: dict[str, Any] = {
            "wavespeed_id": outcome.job_id,
            "status": outcome.status,
            "error": "",  # what kept it waiting (a lost answer, a refused key) is over
            "updated_at": now,
        }
        if outcome.status in FINISHED:
            fields.update(
                error=outcome.error,
                error_code=outcome.code,
                output_url=outcome.output_url,
                finished_at=now,
            )
        unfinished = self.filter(pk=pk).exclude(status__in=FINISHED)
        same_job = Q(wavespeed_id="") | Q(wavespeed_id=outcome.job_id)
        try:
            with _savepoint(self.db):
                changed = unfinished.filter(same_job).update(**fields)
        except IntegrityError:
            logger.error("video %s: job %s belongs to another row", pk, outcome.job_id)
            self.filter(pk=pk).update(updated_at=now)
            return Recorded.TAKEN
        return Recorded.CHANGED if changed else Recorded.UNCHANGED

    def hand_to_person(self, pk: uuid.UUID, reason: str, candidates: list[dict[str, Any]]) -> bool:
        """Row ``pk``, unfinished and holding no job, becomes UNCERTAIN with ``reason`` and the
        jobs that may be its own: nothing will submit it or adopt a job for it by itself."""
        unsettled = self.filter(pk=pk, wavespeed_id="").exclude(status__in=FINISHED)
        return unsettled.update(
            status=Status.UNCERTAIN, candidates=candidates, error=reason,
            updated_at=timezone.now(),
        ) == 1

    def refuse_taken(self, pk: uuid.UUID, job_id: str, proof: str) -> bool:
        """Row ``pk`` knows job ``job_id`` as its own by ``proof`` (its webhook, its submit's
        answer), and another row holds it (adopted by its input): the row goes to a person,
        with the reason naming the other, which keeps its state."""
        holder = self.filter(wavespeed_id=job_id).values_list("pk", flat=True).first()
        logger.error("video %s: job %s is its own (%s), and row %s holds it", pk, job_id,
                     proof, holder)
        reason = (f"job {job_id} is this row's ({proof}), but row {holder} holds it: a person"
                  " decides which row it belongs to")
        return self.hand_to_person(pk, reason, [{"id": job_id, "held_by": str(holder)}])

    def start_submit(self, pk: uuid.UUID, reference: wavevid.SubmissionUncertainError) -> bool:
        """Commit, before the POST, that row ``pk``'s submit starts, with what identifying its
        job needs; True for the one caller that may send it. Never true twice for a row."""
        return self.filter(pk=pk, status=Status.SUBMITTING, submit_started_at=None).update(
            submit_started_at=reference.submitted_at,
            model_path=reference.model,
            fingerprint=reference.fingerprint,
            submitted_at=reference.submitted_at,
            uncertain=reference.to_dict(),
            updated_at=timezone.now(),
        ) == 1

    def undo_start(self, pk: uuid.UUID, started_at: datetime.datetime) -> bool:
        """Forget a started submit that WaveSpeed refused (429) or that never left: nothing was
        created, so it may be sent again. Only the submit that started at ``started_at``."""
        return self.filter(
            pk=pk, status=Status.SUBMITTING, submit_started_at=started_at, wavespeed_id=""
        ).update(submit_started_at=None, uncertain=None, updated_at=timezone.now()) == 1


def _savepoint(alias: str) -> AbstractContextManager[object]:
    """A savepoint inside a transaction (ATOMIC_REQUESTS), so that a refused statement leaves it
    usable; nothing in autocommit, where a refused statement breaks nothing."""
    in_transaction = transaction.get_connection(alias).in_atomic_block
    return transaction.atomic(using=alias) if in_transaction else nullcontext()


class VideoJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    model_name = models.CharField(max_length=200, help_text="The wavevid catalog name.")
    input = models.JSONField(help_text="The model parameters, as requested.")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.SUBMITTING, db_index=True
    )
    wavespeed_id = models.CharField("WaveSpeed job id", max_length=100, blank=True, db_index=True)
    error = models.TextField(blank=True)
    error_code = models.IntegerField(
        null=True, blank=True, help_text="WaveSpeed's task code: 1xxx the input, 5xxx the service."
    )
    output_url = models.URLField(
        max_length=2000, blank=True, help_text="Temporary: WaveSpeed keeps outputs for 7 days."
    )
    output_file = models.FileField(upload_to="videos/", blank=True)
    # An uncertain submit: what client.find_submission needs to identify the job.
    model_path = models.CharField(max_length=200, blank=True)
    fingerprint = models.CharField(max_length=128, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    uncertain = models.JSONField(
        null=True, blank=True, help_text="SubmissionUncertainError.to_dict(), for the sweep."
    )
    # Celery mode (videos/tasks.py): committed before the POST; set, the row is never sent again.
    submit_started_at = models.DateTimeField(null=True, blank=True)
    candidates = models.JSONField(
        null=True, blank=True, help_text="Jobs that may be this row's, for a person to decide."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = VideoJobQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at",)
        constraints = (  # one row per WaveSpeed job, whatever delivers it, however often
            models.UniqueConstraint(
                fields=["wavespeed_id"], condition=~Q(wavespeed_id=""), name="one_row_per_job"
            ),
        )

    def __str__(self) -> str:
        return f"{self.model_name} {self.pk} ({self.status})"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.pk),
            "model": self.model_name,
            "input": self.input,
            "status": self.status,
            "wavespeed_id": self.wavespeed_id or None,
            "error": self.error or None,
            "error_code": self.error_code,
            "output_url": self.output_url or None,
            "video": self.output_file.url if self.output_file else None,
            "created_at": self.created_at,
            "finished_at": self.finished_at,
        }
