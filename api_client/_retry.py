"""When to try a request again, and how long to wait first. Pure: no HTTP, no clock, no sleeping.

The rules (the client applies them in one loop, `Client._request`):
- A request that provably never left (connecting failed) is tried again, whatever its method.
- A request that may have reached the server (the answer was lost) is tried again only if repeating it
  is harmless: reads, `check` (it writes nothing), and acting POSTs, which carry one `Idempotency-Key` for
  every attempt so the server acts once and replays its first answer. A PATCH is not: if it was applied,
  a repeat would answer 412 against the user's own save.
- An answer of 429, 503, 504 or a gateway's 502 means the server did not act: tried again under the same
  conditions, after `Retry-After` when the server sent one. A 502 in the API's error shape is the
  server's own definite answer that a service behind it (Twikey) failed, not a gateway fault: not repeated.
- At most `max_retries` repeats, and never a wait that would end after `total_seconds` from the first
  attempt: a `Retry-After` beyond that is passed to the caller (`RateLimitedError.retry_after`).
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


class Repeat(enum.Enum):
    """How safe it is to send a request again when its answer may have been lost."""

    SAFE = "safe"
    """Reads and `check`: repeating changes nothing."""
    WITH_KEY = "with_key"
    """Acting POSTs: the same `Idempotency-Key` on every attempt makes the server act once."""
    NEVER = "never"
    """PATCH: repeated only when it provably never left."""


@dataclass(frozen=True)
class RetryPolicy:
    """How many times and for how long a request is tried again.

    Attributes:
        max_retries: Repeats after the first attempt (0: never repeat).
        total_seconds: No wait may end later than this after the first attempt started.
        base_delay: The first backoff, doubled on each repeat, when the server did not say how long to wait.
        max_delay: The longest backoff.
    """

    max_retries: int = 3
    total_seconds: float = 20.0
    base_delay: float = 0.5
    max_delay: float = 8.0

    def backoff(self, retry: int, *, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait before repeat number `retry` (1-based): exponential, with half of it jittered.

        The jitter spreads the repeats of many clients that failed at the same moment (a restart).
        """
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (retry - 1))
        return ceiling / 2 + rand() * ceiling / 2

    def wait_before(
        self,
        retry: int,
        *,
        elapsed: float,
        retry_after: float | None,
        rand: Callable[[], float] = random.random,
    ) -> float | None:
        """Seconds to wait before repeat number `retry`, or None when the bounds say stop."""
        if retry > self.max_retries:
            return None
        delay = retry_after if retry_after is not None else self.backoff(retry, rand=rand)
        if elapsed + delay > self.total_seconds:
            return None
        return delay


def may_repeat(repeat: Repeat, *, status: int | None, sent: bool = True, from_server: bool = False) -> bool:
    """Whether a failed attempt may be made again.

    Args:
        repeat: How safe the request is to repeat.
        status: The answer's status, or None when no answer arrived.
        sent: For no answer: whether the request may have reached the server.
        from_server: The answer carries the API's error body: the server itself answered, not a gateway.
    """
    if status is None:
        return not sent or repeat is not Repeat.NEVER
    if repeat is Repeat.NEVER or status not in RETRYABLE_STATUSES:
        return False
    return not (status == 502 and from_server)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3); None if unusable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # `-0000` in the date: UTC by the RFC
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())
