"""A bounded cache of verified tokens, so a client repeating its token is checked once.

Keyed by the SHA-256 digest of the exact token string; the token itself is never kept.
An entry is used only while the token is unexpired (no leeway) and only while the key
that signed it is still published, so the cache never extends a token's life and a
withdrawn key invalidates its tokens at the next key refresh. When full, the oldest
entry goes first.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Container
from typing import Generic, TypeVar

Verified = TypeVar("Verified")


class VerifiedTokenCache(Generic[Verified]):
    def __init__(self, max_entries: int, clock: Callable[[], float] = time.time) -> None:
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[bytes, tuple[Verified, str, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def digest(token: str) -> bytes:
        return hashlib.sha256(token.encode()).digest()

    def get(self, digest: bytes, published_kids: Container[str]) -> Verified | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        verified, kid, expires_at = entry
        if self.clock() >= expires_at or kid not in published_kids:
            del self._entries[digest]
            return None
        return verified

    def put(self, digest: bytes, verified: Verified, kid: str, expires_at: int) -> None:
        if self.max_entries <= 0:
            return
        self._entries[digest] = (verified, kid, expires_at)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
