"""Why no identity could be established; problems.py turns each into a response."""

from __future__ import annotations


class AuthenticationFailed(Exception):
    """401: no identity could be established.

    ``reason`` is a short code for the audit log; ``detail`` is what the caller sees.
    ``token_error`` marks a presented but unusable bearer token (RFC 6750 invalid_token).
    """

    status_code = 401

    def __init__(
        self, reason: str, detail: str, *, token_error: bool = False, spoofing: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail
        self.token_error = token_error
        self.spoofing = spoofing


class IdentityHeaderTooLarge(AuthenticationFailed):
    """431: an identity header is larger than the configured limit."""

    status_code = 431


class SigningKeysUnavailable(Exception):
    """503: no usable key from the IdP; the caller should retry later.

    ``detail`` is for /readyz, whose reader is the operator; callers of protected routes
    get a fixed message instead.
    """

    def __init__(self, retry_after: int, detail: str = "") -> None:
        super().__init__("signing keys unavailable")
        self.reason = "signing_keys_unavailable"
        self.retry_after = retry_after
        self.detail = detail
