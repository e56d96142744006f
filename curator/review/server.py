"""The review App's web server: FiftyOne's own server application behind the guard, in a child process.

`curator review` runs `python -m curator.review.server` and writes its settings (with the token)
as one JSON line to the child's standard input, so the token never shows in `ps`. The child
serves FiftyOne's Starlette application wrapped in `GuardedApp`, so every request (HTTP, the
App's event streams, websockets) passes the guard in the same process: there is no unguarded
port behind it. The child stops when its standard input closes (the parent ended, even by
SIGKILL), on SIGTERM/SIGINT, and, when asked to (a local browser), once every App tab has
closed.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from curator.review.guard import Guard

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

EVENTS_PATH = "/events"  # the App holds one streaming request here per open tab
CLOSE_GRACE_S = 3.0  # a reload or reconnect drops the stream briefly: only a longer gap means "closed"
REFUSED = ("This review App needs the link with '?token=' that `curator review` printed "
           "(or a tab that already opened it).\n")


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", []):
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        # Repeated headers are joined, so a second Origin or Cookie header cannot hide from the guard.
        out[name] = f"{out[name]}{'; ' if name == 'cookie' else ', '}{value}" if name in out else value
    return out


def _welcome_page(location: str) -> bytes:
    # A same-origin refresh rather than a 30x: when the link was opened from another site, the
    # browser would not send a SameSite=Strict cookie on the redirected request, and the App would
    # be refused once; a navigation started by this page is same-site, so the cookie goes with it.
    target = html.escape(location, quote=True)
    return (f'<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url={target}">'
            f'<title>curator review</title><a href="{target}">Open the review</a>\n').encode()


class GuardedApp:
    """ASGI middleware: requests the guard refuses are answered here and never reach FiftyOne."""

    def __init__(self, app: Callable[..., Awaitable[None]], guard: Guard) -> None:
        self.app = app
        self.guard = guard
        self.open_streams = 0
        self.ever_opened = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET")  # a websocket handshake is a GET
        decision = self.guard.decide(method, scope.get("path", "/"), scope.get("query_string", b""), _headers(scope))
        if decision.set_cookie is not None:
            await self._plain(scope, receive, send, 200, _welcome_page(decision.location or "/"), "text/html; charset=utf-8",
                              [(b"set-cookie", decision.set_cookie.encode("latin-1"))])
            return
        if not decision.allow:
            # The server log shows what was refused (never the query: it may hold a token).
            print(f"refused {decision.status} {method} {scope.get('path')}: {decision.reason}", file=sys.stderr, flush=True)
            await self._plain(scope, receive, send, decision.status, REFUSED.encode(), "text/plain; charset=utf-8")
            return
        if decision.query is not None:
            scope = {**scope, "query_string": decision.query}
        if scope["type"] == "http" and scope.get("path") == EVENTS_PATH:
            self.open_streams += 1
            self.ever_opened = True
            try:
                await self.app(scope, receive, send)
            finally:
                self.open_streams -= 1
            return
        await self.app(scope, receive, send)

    @staticmethod
    async def _plain(scope: Scope, receive: Receive, send: Send, status: int, body: bytes, content_type: str,
                     extra: list[tuple[bytes, bytes]] | None = None) -> None:
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008})
            return
        headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()),
                   (b"cache-control", b"no-store"), (b"referrer-policy", b"no-referrer"), *(extra or [])]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})


async def _watch_tabs(guarded: GuardedApp, stop: asyncio.Event) -> None:
    """Set `stop` once tabs were open and none has been for CLOSE_GRACE_S."""
    closed_for = 0.0
    while not stop.is_set():
        await asyncio.sleep(0.5)
        closed_for = closed_for + 0.5 if guarded.ever_opened and guarded.open_streams == 0 else 0.0
        if closed_for >= CLOSE_GRACE_S:
            stop.set()


def _bind(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


async def _serve(settings: dict[str, Any]) -> None:
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    from fiftyone.server.app import app as fiftyone_app
    from fiftyone.server.events import set_port

    stop = asyncio.Event()
    fiftyone_app.debug = False  # Starlette's debug pages would show tracebacks and local paths
    guard = Guard.for_server(settings["token"], settings["media_roots"], settings["address"], settings["port"])
    guarded = GuardedApp(fiftyone_app, guard)
    config = Config()
    config.bind = [_bind(settings["address"], settings["port"])]
    config.accesslog = None
    set_port(settings["port"])
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)

    def parent_gone() -> None:
        sys.stdin.read()  # returns at end of file: the parent closed the pipe or died
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=parent_gone, daemon=True).start()
    watcher = asyncio.ensure_future(_watch_tabs(guarded, stop)) if settings.get("exit_when_closed") else None
    try:
        await serve(guarded, config, shutdown_trigger=stop.wait)
    finally:
        if watcher is not None:
            watcher.cancel()


def main() -> None:
    settings = json.loads(sys.stdin.readline())
    # As FiftyOne's own server entry point does: server-side behaviour, and no services of its own.
    os.environ["FIFTYONE_SERVER"] = "1"
    os.environ.pop("FIFTYONE_DISABLE_SERVICES", None)
    asyncio.run(_serve(settings))


if __name__ == "__main__":
    main()
