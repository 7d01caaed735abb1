"""Console sessions: an API token exchanged once for a session cookie.

The cookie holds only a random session id (HttpOnly, SameSite=Strict, Secure
over HTTPS); the session remembers the token's digest, never the token, and
each request looks the token up again, so revoking it ends the session at
once. Each session has its own CSRF token, which every form posts back.
Sessions live in this process's memory: a restart logs everybody out, and
several gateway processes behind one address need sticky sessions.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from gateway.domain.frozen import frozen

__all__ = ["COOKIE", "LOGIN_COOKIE", "Session", "Sessions", "same_secret"]

COOKIE = "eugw_console"
LOGIN_COOKIE = "eugw_login"  # the login form's CSRF secret, before there is a session


@frozen
class Session:
    session_id: str
    token_digest: str
    csrf: str
    expires_at: datetime


def same_secret(offered: str | None, expected: str) -> bool:
    """Constant-time comparison of a posted secret with the expected one."""
    return offered is not None and hmac.compare_digest(offered.encode(), expected.encode())


class Sessions:
    """Open sessions by id; expired ones are dropped when met or when a new one opens."""

    def __init__(self, lifetime: timedelta = timedelta(hours=8), limit: int = 10_000) -> None:
        self.lifetime = lifetime
        self.limit = limit
        self._open: dict[str, Session] = {}

    def open(self, token_digest: str, *, now: datetime) -> Session:
        self._drop_expired(now)
        if len(self._open) >= self.limit:  # bounded memory: the oldest session goes
            oldest = min(self._open.values(), key=lambda session: session.expires_at)
            del self._open[oldest.session_id]
        session = Session(
            session_id=secrets.token_urlsafe(32),
            token_digest=token_digest,
            csrf=secrets.token_urlsafe(32),
            expires_at=now + self.lifetime,
        )
        self._open[session.session_id] = session
        return session

    def get(self, session_id: str | None, *, now: datetime) -> Session | None:
        if not session_id:
            return None
        session = self._open.get(session_id)
        if session is None or session.expires_at <= now:
            self._open.pop(session_id, None)
            return None
        return session

    def close(self, session_id: str | None) -> None:
        if session_id:
            self._open.pop(session_id, None)

    def _drop_expired(self, now: datetime) -> None:
        for session_id in [key for key, s in self._open.items() if s.expires_at <= now]:
            del self._open[session_id]
