"""Submitting a job: the payload validated (or defaults filled), local media uploaded, one POST
under the policy for submits, and the Job it created."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import media
from ._constants import SYNC_READ_TIMEOUT
from ._deadline import Deadline
from ._logging import get_logger
from ._recovery import input_digests
from ._runtime import Endpoint, Runtime
from .errors import APIError
from .jobs import Job
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
    logger.info("submitted job %s to %s", data["id"], endpoint.path)
    runtime.remember(str(data["id"]))
    return runtime.job_from(data, endpoint, payload)


def _payload(endpoint: Endpoint, values: Mapping[str, Any], validate: bool) -> dict[str, Any]:
    model = endpoint.model
    if model is None:
        return {key: value for key, value in values.items() if value is not None}
    if validate:
        return model.build_payload(values)
    return with_defaults(model.defaults, values)
