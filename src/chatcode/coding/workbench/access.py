"""Who may do what in the workbench: sessions, CSRF tokens, failed-login slowing, headers.

Notes
-----
- A person logs in by opening their personal link ``/t/TOKEN`` once; the server sets a
  session cookie (HttpOnly, SameSite=Strict, Secure under HTTPS) and forgets the token.
- Every write carries the session's CSRF token (header ``X-CSRF-Token`` for JSON, field
  ``csrf`` for forms), compared in constant time.
- Failed token attempts are logged (``chatcode.workbench`` logger, with the client address)
  and answered after a delay that doubles with each failure from that address
  (``base * 2**(n-1)``, at most ``MAX_DELAY`` seconds); a success resets it.
- Every response carries a strict Content-Security-Policy (only the server's own scripts
  and styles, no inline code, no frames, no form posts elsewhere), ``nosniff``,
  ``no-referrer`` (so a link with a token never leaks) and ``no-store``.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections import defaultdict
from dataclasses import dataclass

__all__ = ["CSP", "FailedLogins", "SecurityHeaders", "Session", "csrf_ok"]

log = logging.getLogger("chatcode.workbench")

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()),
           (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"no-referrer"),
           (b"x-frame-options", b"DENY"),
           (b"cross-origin-opener-policy", b"same-origin"),
           (b"cache-control", b"no-store")]
MAX_DELAY = 8.0


@dataclass(frozen=True)
class Session:
    """A logged-in person: name, role (``coder`` or ``lead``) and the CSRF token."""

    name: str
    role: str
    csrf: str

    @property
    def is_lead(self) -> bool:
        return self.role == "lead"


def csrf_ok(session: Session, given: str | None) -> bool:
    """True when ``given`` is the session's CSRF token (constant-time comparison)."""
    return bool(given) and hmac.compare_digest(session.csrf.encode(), str(given).encode())


class FailedLogins:
    """Counts failed token attempts per client address and slows the next answer."""

    def __init__(self, base_delay: float) -> None:
        self.base = base_delay
        self.count: defaultdict[str, int] = defaultdict(int)

    def delay(self, n: int) -> float:
        """Seconds to wait after the ``n``-th failure in a row from one address."""
        return min(self.base * 2 ** (n - 1), MAX_DELAY)

    async def failed(self, client: str) -> None:
        self.count[client] += 1
        n = self.count[client]
        log.warning("workbench: failed login attempt %d from %s (unknown token)", n, client)
        await asyncio.sleep(self.delay(n))

    def succeeded(self, client: str) -> None:
        self.count.pop(client, None)


class SecurityHeaders:
    """ASGI middleware: adds the security headers to every HTTP response."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
