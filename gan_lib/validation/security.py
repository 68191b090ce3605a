"""Tokens for the reader study: invites, sessions, the admin secret and CSRF.

Every credential is a *split token* ``"<selector>.<verifier>"`` made with
:mod:`secrets`.  The database stores the selector in clear (to find the row)
and only the SHA-256 digest of the verifier; a presented token is checked with
:func:`hmac.compare_digest`, so neither a stolen database nor response timing
reveals a usable credential.  SHA-256 without salt or stretching is adequate
here because verifiers are 256-bit random values, not passwords a person chose.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from typing import NamedTuple

__all__ = [
    "SplitToken",
    "new_split_token",
    "parse_split_token",
    "hash_verifier",
    "verify",
    "new_csrf_token",
    "check_csrf",
    "new_item_id",
    "ITEM_ID_PATTERN",
    "RedactInviteTokens",
    "redact_invite_tokens_in_logs",
]

#: Item ids: 32 lowercase hex digits (128 random bits), nothing derived from the label.
ITEM_ID_PATTERN = re.compile(r"[0-9a-f]{32}")
_SELECTOR = re.compile(r"[0-9a-f]{16}")
_VERIFIER = re.compile(r"[A-Za-z0-9_-]{43}")


class SplitToken(NamedTuple):
    """A credential ``selector.verifier``; only ``hash_verifier(verifier)`` is stored."""

    selector: str  # 16 hex digits, stored in clear to find the row
    verifier: str  # 43 url-safe characters (256 bits), stored only as a SHA-256 digest

    def __str__(self) -> str:
        return f"{self.selector}.{self.verifier}"


def new_split_token() -> SplitToken:
    """A fresh random :class:`SplitToken` (64-bit selector, 256-bit verifier)."""
    return SplitToken(secrets.token_hex(8), secrets.token_urlsafe(32))


def parse_split_token(text: str | None) -> SplitToken | None:
    """Parse ``"selector.verifier"``; ``None`` for anything malformed (never raises).

    Examples
    --------
    >>> parse_split_token("not a token") is None
    True
    >>> token = new_split_token()
    >>> parse_split_token(str(token)) == token
    True
    """
    if not text or len(text) > 80:
        return None
    selector, _, verifier = text.partition(".")
    if not (_SELECTOR.fullmatch(selector) and _VERIFIER.fullmatch(verifier)):
        return None
    return SplitToken(selector, verifier)


def hash_verifier(verifier: str) -> str:
    """Hex SHA-256 digest of a verifier (what the database stores)."""
    return hashlib.sha256(verifier.encode("ascii")).hexdigest()


def verify(verifier: str, stored_hash: str) -> bool:
    """Whether ``verifier`` matches ``stored_hash``, compared in constant time."""
    return hmac.compare_digest(hash_verifier(verifier), stored_hash)


def new_csrf_token() -> str:
    """A per-session anti-CSRF token (256 random bits, url-safe text)."""
    return secrets.token_urlsafe(32)


def check_csrf(submitted: str | None, expected: str) -> bool:
    """Whether a submitted form token equals the session's, compared in constant time."""
    if not submitted:
        return False
    return hmac.compare_digest(submitted.encode("utf-8", "replace"), expected.encode("utf-8"))


def new_item_id() -> str:
    """A random opaque item id (32 hex digits) that carries no information about the item."""
    return secrets.token_hex(16)


class RedactInviteTokens(logging.Filter):
    """Logging filter: replace the token of ``/invite/<token>`` in log records by ``[redacted]``.

    Uvicorn's access log writes every request path, and an invitation's path
    holds its one-time token, so whoever reads the log could redeem an unused
    invitation.  The filter rewrites the record's arguments and message.
    """

    _TOKEN = re.compile(r"(/invite/)[^\s\"?#]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._TOKEN.sub(r"\1[redacted]", a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = self._TOKEN.sub(r"\1[redacted]", record.msg)
        return True


def redact_invite_tokens_in_logs() -> None:
    """Install :class:`RedactInviteTokens` on uvicorn's loggers (access and error)."""
    for name in ("uvicorn.access", "uvicorn.error", "uvicorn"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactInviteTokens) for f in logger.filters):
            logger.addFilter(RedactInviteTokens())
