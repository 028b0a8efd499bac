"""Submitting a job: the payload validated (or defaults filled), local media uploaded, one POST
under the policy for submits, and the Job it created."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import media
from ._constants import SYNC_READ_TIMEOUT
from ._deadline import Deadline
from ._json_body import body_problems
from ._logging import get_logger
from ._recovery import input_digests
from ._runtime import Endpoint, Runtime
from .errors import APIError, InvalidParametersError
from .jobs import Job, attach_job
from .payload import fingerprint, is_local_media, with_defaults

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
    payload = _payload(endpoint, values, validate)
    payload = {
        key: media.upload(runtime.transport, value, deadline=deadline)
        if is_local_media(value) else value
        for key, value in payload.items()
    }
    if sync:
        payload["enable_sync_mode"] = True
    data = runtime.transport.submit(
        endpoint.path,
        payload,
        deadline=deadline,
        fingerprint=fingerprint(payload),
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


def _payload(endpoint: Endpoint, values: Mapping[str, Any], validate: bool) -> dict[str, Any]:
    """The body to send, validated or not; raises InvalidParametersError for every value JSON
    cannot carry (``_json_body``), before any upload or request."""
    model = endpoint.model
    if model is None:
        payload = {key: value for key, value in values.items() if value is not None}
    elif validate:
        payload = model.build_payload(values)
    else:
        payload = with_defaults(model.defaults, values)
    problems = body_problems(payload, is_local_media)
    if problems:
        raise InvalidParametersError(endpoint.name, problems)
    return payload
