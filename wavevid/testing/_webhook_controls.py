"""The webhook side of ``FakeWaveSpeed``'s public interface (a base class of it)."""

from __future__ import annotations

from wavevid.testing._routes import FakeApi
from wavevid.testing._webhooks import WebhookDelivery


class WebhookControls:
    """Deliveries to inspect and switches to misbehave with; thread-safe."""

    _api: FakeApi

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """A snapshot of every webhook delivery attempt, in the order they ended."""
        return self._api.webhooks.deliveries()

    def wait_for_webhooks(self, count: int = 1, timeout: float = 5.0) -> list[WebhookDelivery]:
        """Block until ``count`` delivery attempts are recorded and return them all.

        Raises ``TimeoutError`` when fewer are recorded after ``timeout`` seconds.
        """
        return self._api.webhooks.wait_for(count, timeout)

    @property
    def webhook_duplicates(self) -> int:
        """Extra copies of every delivery (default 0): each is a delivery of its own, with a
        new ``webhook-id``, ``webhook_retry_seconds`` after the one before; assignable."""
        return self._api.webhooks.duplicates

    @webhook_duplicates.setter
    def webhook_duplicates(self, value: int) -> None:
        self._api.webhooks.duplicates = int(value)

    @property
    def webhook_delay(self) -> float:
        """Seconds between a job's end and its delivery (default 0); assignable."""
        return self._api.webhooks.delay

    @webhook_delay.setter
    def webhook_delay(self, value: float) -> None:
        self._api.webhooks.delay = float(value)

    @property
    def webhook_drop(self) -> bool:
        """True: deliveries are lost, nothing is sent or recorded (default False); assignable."""
        return self._api.webhooks.drop

    @webhook_drop.setter
    def webhook_drop(self, value: bool) -> None:
        self._api.webhooks.drop = bool(value)
