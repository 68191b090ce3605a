"""ASGI middleware in front of every route: a request-body limit and the security headers of every response."""

from __future__ import annotations

from typing import Any

__all__ = ["Guard", "DEFAULT_MAX_BODY_BYTES", "SECURITY_HEADERS"]

#: Largest request body accepted (bytes): a rating form is < 1 KiB even with a 500-character note.
DEFAULT_MAX_BODY_BYTES = 16 * 1024
#: Added to every response that does not set them itself.
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; form-action 'self'; "
        b"frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),  # invite tokens in URLs must not leak through Referer
    (b"x-frame-options", b"DENY"),
]


class Guard:
    """ASGI middleware: refuse bodies over ``max_body_bytes`` (413) and add security headers.

    Responses without a ``Cache-Control`` header get ``no-store``.
    """

    def __init__(self, app: Any, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def _reply(self, send: Any, status: int, text: str) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), *SECURITY_HEADERS],
            }
        )
        await send({"type": "http.response.body", "body": text.encode()})

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None:
            if not length.isdigit():
                await self._reply(send, 400, "Bad Content-Length header.")
                return
            if int(length) > self.max_body_bytes:
                await self._reply(send, 413, f"Request body too large (limit {self.max_body_bytes} bytes).")
                return
        received = 0
        refused = False

        async def limited_receive() -> dict:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes and not refused:  # chunked uploads without a Content-Length
                    refused = True
                    await self._reply(send, 413, f"Request body too large (limit {self.max_body_bytes} bytes).")
                    return {"type": "http.disconnect"}  # the application stops reading and its reply is dropped
            return message

        async def send_with_headers(message: dict) -> None:
            if refused:
                return
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [h for h in SECURITY_HEADERS if h[0] not in names]
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, limited_receive, send_with_headers)
