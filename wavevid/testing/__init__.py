"""Test support for code that uses wavevid: ``FakeWaveSpeed``, a loopback WaveSpeed API.

Importing this package never imports pytest; the optional pytest plugin lives in its own module.
"""

from wavevid.testing._from_catalog import models_from_catalog
from wavevid.testing._records import DroppedKeys, PollViolation, RequestRecord
from wavevid.testing._rules import Fault, JobScript
from wavevid.testing._webhooks import WebhookDelivery
from wavevid.testing.fake import FakeWaveSpeed

__all__ = [
    "DroppedKeys",
    "FakeWaveSpeed",
    "Fault",
    "JobScript",
    "PollViolation",
    "RequestRecord",
    "WebhookDelivery",
    "models_from_catalog",
]
