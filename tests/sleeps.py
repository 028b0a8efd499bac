"""``Sleeps``: a ``sleep`` to hand to wavevid's transport that records the waits asked for,
without waiting (the conftest's ``sleeps`` fixture gives a new one to each test)."""

from __future__ import annotations


class Sleeps(list[float]):
    """Records the waits asked for, without waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
