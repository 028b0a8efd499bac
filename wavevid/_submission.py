"""Submitting a job: the payload validated (or defaults filled), local media uploaded (at any
depth, only where the schema marks media), one POST under the policy for submits, and the Job
it created."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import _upload
from ._constants import SYNC_READ_TIMEOUT
from ._deadline import Deadline
from ._json_body import body_problems
from ._logging import get_logger
from ._media_slots import MISPLACED_FILE, Place, local_files, place_name, replaced
from ._payload import fingerprint, with_defaults
from ._recovery import input_digests
from ._runtime import Endpoint, Runtime
from .errors import APIError, InvalidParametersError, ParameterProblem
from .jobs import Job, attach_job

logger = get_logger("wavevid.client")


def submit(
    runtime: Runtime,
    endpoint: Endpoint,
    values: Mapping[str, Any],
    deadline: Deadline,
    webhook_url: str | None = None,
    *,
    validate: bool = True,
    sync: bool = False,
) -> Job:
    """Build the payload, upload its local media, POST it once; the Job, at once.

    Raises: as ``Client.submit``.
    """
    payload = prepare(runtime, endpoint, values, deadline, validate=validate)
    return post(runtime, endpoint, payload, deadline, webhook_url, sync=sync)


def prepare(
    runtime: Runtime,
    endpoint: Endpoint,
    values: Mapping[str, Any],
    deadline: Deadline,
    *,
    validate: bool = True,
) -> dict[str, Any]:
    """The body to POST: validated (or defaults filled in), its local media uploaded. Nothing
    is submitted: a caller that stops here owes nothing."""
    payload, uploads = build(endpoint, values, validate)
    return upload_media(runtime, payload, uploads, deadline)


def upload_media(
    runtime: Runtime, payload: dict[str, Any], uploads: list[Place], deadline: Deadline
) -> dict[str, Any]:
    """``payload`` with the local file at each of ``uploads`` uploaded and replaced by its URL
    (requests, file reads)."""
    return replaced(payload, {
        place: _upload.upload(runtime.transport, _at(payload, place), deadline=deadline)
        for place in uploads
    })


def post(
    runtime: Runtime,
    endpoint: Endpoint,
    payload: dict[str, Any],
    deadline: Deadline,
    webhook_url: str | None = None,
    *,
    sync: bool = False,
) -> Job:
    """POST a prepared body once; the Job it created.

    Raises: SubmissionUncertainError (the job may exist), APIError, APIConnectionError.
    """
    if sync:
        payload["enable_sync_mode"] = True
    digest = fingerprint(payload)
    with runtime.submitting(digest):
        data = runtime.transport.submit(
            endpoint.path,
            payload,
            deadline=deadline,
            fingerprint=digest,
            input_digests=input_digests(payload),
            query={"webhook": webhook_url} if webhook_url else None,
            read_timeout=SYNC_READ_TIMEOUT if sync else None,
        )
    if not isinstance(data, Mapping) or not data.get("id"):
        raise APIError("the submit answer has no job id", status_code=200)
    try:
        logger.info("submitted job %s to %s", data["id"], endpoint.path)
        runtime.remember(str(data["id"]))
        return runtime.job_from(data, endpoint, payload)
    except KeyboardInterrupt as interrupt:  # the answer arrived: the job is known
        attach_job(interrupt, str(data["id"]))
        raise


def build(
    endpoint: Endpoint, values: Mapping[str, Any], validate: bool
) -> tuple[dict[str, Any], list[Place]]:
    """The body to send, validated or not, and the places of the local files to upload there
    (no I/O).

    Raises InvalidParametersError, before any upload or request, for a local file where the
    schema marks no media (nested ones too, for a model outside the catalog) and for every value
    JSON cannot carry (``_json_body``)."""
    model = endpoint.model
    if model is None:
        payload = {key: value for key, value in values.items() if value is not None}
    elif validate:
        payload = model.build_payload(values)
    else:
        payload = with_defaults(model.defaults, values)
    uploads, misplaced = local_files(payload, model.input_schema if model else None)
    problems = [ParameterProblem(place_name(place), MISPLACED_FILE) for place in misplaced]
    sendable = replaced(payload, dict.fromkeys([*uploads, *misplaced], "https://upload.invalid/"))
    problems += body_problems(sendable, lambda _value: False)
    if problems:
        raise InvalidParametersError(endpoint.name, problems)
    return payload, uploads


def _at(payload: Mapping[str, Any], place: Place) -> Any:
    value: Any = payload
    for key in place:
        value = value[key]
    return value
