"""Serving the FiftyOne App on a review dataset, and waiting for the reviewer to leave."""

from __future__ import annotations

import errno
import logging
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from curator.errors import CuratorError


def check_port_free(address: str, port: int) -> None:
    """FiftyOne silently reuses any App already on the port (possibly on another database): refuse instead."""
    with socket.socket() as s:
        try:
            s.bind((address, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CuratorError(f"port {port} on {address} is in use (another review or program): "
                                   f"choose another with --port, e.g. --port {port + 1}") from None
            raise CuratorError(f"cannot listen on {address}:{port} ({exc.strerror}): check --address") from None


def app_url(address: str, port: int, dataset_name: str) -> str:
    host = "127.0.0.1" if address in ("0.0.0.0", "") else address
    return f"http://{host}:{port}/datasets/{dataset_name}"


@contextmanager
def serve_app(ds: Any, address: str, port: int, open_browser: bool) -> Iterator[Any]:
    """The App server for `ds` while the block runs; it is stopped on the way out."""
    import fiftyone as fo
    from fiftyone.core.service import ServiceException

    check_port_free(address, port)
    # FiftyOne's banner and remote-session instructions would repeat what the CLI prints.
    logging.getLogger("fiftyone").setLevel(logging.WARNING)
    try:
        session = fo.launch_app(ds, address=address, port=port, remote=not open_browser, auto=False)
    except ServiceException as exc:
        raise CuratorError(f"the FiftyOne App did not start on {address}:{port} ({exc}); try another --port") from None
    try:
        yield session
    finally:
        session.close()


def _leave(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def wait_until_left(session: Any, open_browser: bool) -> None:
    """Block until the reviewer closes every App tab (local browser), presses Ctrl-C, or the terminal closes."""
    # SIGTERM and SIGHUP (terminal closed) end the session like Ctrl-C, so the tags still get synced.
    previous = {sig: signal.signal(sig, _leave) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        session.wait(3 if open_browser else -1)
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
