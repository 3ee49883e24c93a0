"""A clock for code that takes one (``clock=``), moved only by the test."""

from __future__ import annotations


class ManualClock:
    """Seconds that stand still until the test moves them.

    The default start is a whole number so that moving it by whole seconds is exact: from
    a real reading such as 100.123456789, ``(now + 30) - now`` comes out as
    29.999999999999986, and a cooldown of exactly 30 s would not have passed.
    """

    def __init__(self, now: float = 100_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
