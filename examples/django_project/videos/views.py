"""Create (submit, then answer at once), status (the row, refreshed briefly), webhook (record).

No view waits for a video. A request holds a worker for the submit, a second or so, at most.
The result arrives by webhook, or by ``manage.py sync_videos`` when no webhook comes.
Add your own authentication to create_video: every accepted request is a paid job.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

import wavevid
from wavevid.webhooks import verify

from .models import Outcome, Recorded, Status, VideoJob
from .wavevid_client import config, get_async_client, get_client, get_webhook_secret

logger = logging.getLogger(__name__)


@require_POST
@transaction.non_atomic_requests  # even with ATOMIC_REQUESTS, the row commits before the submit
def create_video(request: HttpRequest) -> JsonResponse:
    """POST ``{"model": name, "input": {...}}``: 202 with the row, or 400 with every problem."""
    try:
        body = json.loads(request.body)
        name, values = body["model"], body.get("input", {})
    except (ValueError, TypeError, KeyError, AttributeError):
        return _problems([("", 'expected a JSON object: {"model": "...", "input": {...}}')])
    if not isinstance(name, str) or not isinstance(values, dict):
        return _problems([("", "model must be a string and input an object")])

    client = get_client()
    try:
        model = client.catalog.get(name)
        model.build_payload(values)  # every problem at once; nothing is sent
    except wavevid.UnknownModelError as error:
        return _problems([("model", str(error))])
    except wavevid.InvalidParametersError as error:
        return _problems(error.errors)

    # Commit the row first: its UUID is in the webhook URL, and the webhook may arrive before
    # this view returns. Submitted inside the transaction, it would find no row.
    with transaction.atomic():
        video = VideoJob.objects.create(model_name=model.name, input=values)
    if settings.VIDEO_TASKS["CELERY"]:  # Celery mode: a worker submits it (videos/tasks.py)
        from .tasks import enqueue, submit

        enqueue(submit, video.pk)  # if the broker is away, the sweep enqueues it again
        return _accepted(video.pk)
    webhook_path = reverse("videos:webhook", args=[video.pk])
    webhook_url = config("WEBHOOK_BASE_URL").rstrip("/") + webhook_path
    try:
        job = client.submit(
            model.name, values, webhook_url=webhook_url, timeout=config("CALL_TIMEOUT")
        )
    except wavevid.SubmissionUncertainError as error:
        # The job may exist and be billed: never submit it again. Its webhook, or sync_videos
        # with client.find_submission, settles it.
        logger.warning("video %s: the submit is uncertain: %s", video.pk, error)
        VideoJob.objects.filter(pk=video.pk, status=Status.SUBMITTING).update(
            status=Status.UNCERTAIN,
            model_path=error.model,
            fingerprint=error.fingerprint,
            submitted_at=error.submitted_at,
            uncertain=error.to_dict(),
            error=str(error),
            updated_at=timezone.now(),
        )
        detail = "the submit's answer was lost: WaveSpeed may have the job; it is looked for"
        return _accepted(video.pk, detail)
    except wavevid.WavevidError as error:
        logger.error("video %s: the submit failed: %s", video.pk, error)
        VideoJob.objects.filter(pk=video.pk, status=Status.SUBMITTING).update(
            status=Status.REJECTED, error=str(error), updated_at=timezone.now()
        )
        message = f"WaveSpeed did not take the job: {error}"
        return JsonResponse({"id": str(video.pk), "error": message}, status=502)
    # A no-op if the webhook came first; refused if another row adopted the job by its input.
    if VideoJob.objects.record(video.pk, Outcome.from_job(job)) is Recorded.TAKEN:
        VideoJob.objects.refuse_taken(video.pk, job.id, "its submit's answer")
    return _accepted(video.pk)


def _problems(problems: list[wavevid.ParameterProblem] | list[tuple[str, str]]) -> JsonResponse:
    errors = [{"parameter": parameter, "message": message} for parameter, message in problems]
    return JsonResponse({"errors": errors}, status=400)


def _accepted(pk: uuid.UUID, detail: str = "") -> JsonResponse:
    body: dict[str, Any] = VideoJob.objects.get(pk=pk).to_json()
    if detail:
        body["detail"] = detail
    response = JsonResponse(body, status=202)
    response["Location"] = reverse("videos:status", args=[pk])
    return response


@csrf_exempt  # WaveSpeed sends no CSRF token; the signature is the check
@require_POST
def webhook(request: HttpRequest, pk: uuid.UUID) -> JsonResponse:
    """WaveSpeed's delivery for row ``pk``: verified, then recorded once. Never downloads."""
    try:
        payload = verify(request.body, request.headers, get_webhook_secret())
        outcome = Outcome.from_payload(payload)
    except wavevid.WebhookVerificationError as error:
        logger.warning("video %s: rejected a webhook: %s", pk, error.reason)
        return JsonResponse({"error": "invalid webhook"}, status=400)
    except ValueError as error:
        return JsonResponse({"error": str(error)}, status=400)
    except wavevid.WavevidError as error:  # the secret could not be fetched: WaveSpeed retries
        logger.error("video %s: no webhook secret: %s", pk, error)
        return JsonResponse({"error": "try again later"}, status=503)
    video = get_object_or_404(VideoJob, pk=pk)
    if not _about(video, outcome, payload):
        logger.warning("video %s: a webhook about job %s", pk, outcome.job_id)
        return JsonResponse({"error": "this delivery is about another job"}, status=400)
    if settings.VIDEO_TASKS["CELERY"]:  # record, and enqueue the download
        from .tasks import record

        recorded = record(video.pk, outcome)
    else:
        recorded = VideoJob.objects.record(video.pk, outcome)
    if recorded is Recorded.TAKEN:  # another row adopted this job by its input
        VideoJob.objects.refuse_taken(video.pk, outcome.job_id, "delivered to its webhook")
        return JsonResponse({"changed": False, "flagged": True})
    # 200 for a repeat too: it is a success, or WaveSpeed would deliver it again.
    return JsonResponse({"changed": bool(recorded)})


def _about(video: VideoJob, outcome: Outcome, payload: dict[str, Any]) -> bool:
    """Whether a delivery is about this row's job. Signatures do not cover the URL, so a
    delivery of any job of the account could be replayed to any row: the job the row knows;
    before it knows one, a job whose input is the body the row sent (committed before the POST
    in Celery mode, kept from an uncertain submit inline); with no body kept, none in Celery
    mode (nothing was sent), any while the inline view's submit is in flight."""
    if video.wavespeed_id:
        return video.wavespeed_id == outcome.job_id
    if video.uncertain:
        sent = wavevid.SubmissionUncertainError.from_dict(video.uncertain)
        return isinstance(payload.get("input"), dict) and sent.matches(payload["input"])
    return not settings.VIDEO_TASKS["CELERY"]


@require_GET
def video_status(request: HttpRequest, pk: uuid.UUID) -> JsonResponse:
    """The row as JSON, refreshed first if its job is running."""
    video = get_object_or_404(VideoJob, pk=pk)
    refresh(video)
    return JsonResponse(video.to_json())


def refresh(video: VideoJob) -> None:
    """Ask WaveSpeed about a running video, for STATUS_TIMEOUT at most, and record the answer.
    A finished row is never fetched again."""
    if video.status != Status.RUNNING:
        return
    try:
        job = get_client().get_job(video.wavespeed_id, timeout=config("STATUS_TIMEOUT"))
    except wavevid.WavevidError as error:  # slow or down: answer with the row as it is
        logger.warning("video %s: no fresh status: %s", video.pk, error)
        return
    if VideoJob.objects.record(video.pk, Outcome.from_job(job)):
        video.refresh_from_db()


async def video_status_async(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """video_status for ASGI servers: no thread waits on WaveSpeed, and a request that is
    cancelled (the browser left) cancels the GET."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    video = await VideoJob.objects.filter(pk=pk).afirst()
    if video is None:
        raise Http404("no such video")
    if video.status == Status.RUNNING:
        try:
            job = await get_async_client().get_job(
                video.wavespeed_id, timeout=config("STATUS_TIMEOUT")
            )
        except wavevid.WavevidError as error:  # slow or down: answer with the row as it is
            logger.warning("video %s: no fresh status: %s", video.pk, error)
        else:
            if await sync_to_async(VideoJob.objects.record)(video.pk, Outcome.from_job(job)):
                await video.arefresh_from_db()
    return JsonResponse(video.to_json())
