"""Submitting a job: the payload validated (or defaults filled), local media uploaded (at any
depth, only where the schema marks media), one POST under the policy for submits, and the Job
it created."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from . import _upload
from ._constants import CALL_DEADLINE, SYNC_READ_TIMEOUT
from ._deadline import Deadline
from ._endpoints import Endpoint
from ._json_body import body_problems
from ._logging import get_logger
from ._media_slots import MISPLACED_FILE, Place, local_files, place_name, replaced
from ._payload import fingerprint, with_defaults
from ._recovery import input_digests
from ._runtime import Runtime
from ._steps import Call, Known, Plan, attach_job, run
from .errors import APIError, InvalidParametersError, ParameterProblem
from .jobs import Job

logger = get_logger("wavevid.client")


def submit_seconds(timeout: float | None, sync: bool) -> float:
    """A submit's deadline: ``timeout``, by default CALL_DEADLINE (plus SYNC_READ_TIMEOUT for a
    submit that waits for the video)."""
    if timeout is not None:
        return timeout
    return CALL_DEADLINE + (SYNC_READ_TIMEOUT if sync else 0.0)


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
    """``Client.submit`` for a resolved endpoint: :func:`submit_steps` run on this thread."""
    return run(submit_steps(runtime, endpoint, values, deadline, webhook_url,
                            validate=validate, sync=sync), runtime.sleep)


def submit_steps(
    runtime: Runtime,
    endpoint: Endpoint,
    values: Mapping[str, Any],
    deadline: Deadline,
    webhook_url: str | None = None,
    *,
    validate: bool = True,
    sync: bool = False,
) -> Plan[Job]:
    """The plan (``_steps``) of a submit: build the payload (where the plan runs: its warnings
    point at the caller's line), upload its local media, POST it once; the Job, at once.

    Raises: as ``Client.submit``.
    """
    payload, uploads = build(endpoint, values, validate)
    if uploads:
        payload = yield Call(
            functools.partial(upload_media, runtime, payload, uploads, deadline), deadline
        )
    return (yield from post_steps(runtime, endpoint, payload, deadline, webhook_url, sync=sync))


def upload_media(
    runtime: Runtime, payload: dict[str, Any], uploads: list[Place], deadline: Deadline
) -> dict[str, Any]:
    """``payload`` with the local file at each of ``uploads`` uploaded and replaced by its URL
    (requests, file reads)."""
    return replaced(payload, {
        place: _upload.upload(runtime.transport, _at(payload, place), deadline=deadline)
        for place in uploads
    })


def post_steps(
    runtime: Runtime,
    endpoint: Endpoint,
    payload: dict[str, Any],
    deadline: Deadline,
    webhook_url: str | None = None,
    *,
    sync: bool = False,
) -> Plan[Job]:
    """POST a prepared body once (a plan: its retries' waits are steps); the Job it created,
    :class:`~._steps.Known` as soon as it exists.

    Raises: SubmissionUncertainError (the job may exist), APIError, APIConnectionError.
    """
    if sync:
        payload["enable_sync_mode"] = True
    digest = fingerprint(payload)
    with runtime.submitting(digest):
        data = yield from runtime.transport.submit_steps(
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
        job = runtime.job_from(data, endpoint, payload)
    except KeyboardInterrupt as interrupt:  # the answer arrived: the job is known
        attach_job(interrupt, str(data["id"]))
        raise
    yield Known(job, new=True)
    return job


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
