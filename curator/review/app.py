"""Serving the FiftyOne App on a review dataset, and waiting for the reviewer to leave.

The App is served by `curator.review.server` in a child process: FiftyOne's server application
behind the token and media guard (`curator.review.guard`). FiftyOne's own `launch_app` is not
used: its server answers any local user (and, on a public address, anyone) and sends any file.
"""

from __future__ import annotations

import errno
import http.client
import json
import signal
import socket
import subprocess
import sys
import time
import webbrowser
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from curator.errors import CuratorError
from curator.review.guard import is_loopback, new_token

START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 20.0


def check_port_free(address: str, port: int) -> None:
    """Refuse a busy port with the fix, rather than a child that fails later with less to say."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family) as s:
        try:
            s.bind((address, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CuratorError(f"port {port} on {address} is in use (another review or program): "
                                   f"choose another with --port, e.g. --port {port % 65535 + 1}") from None
            raise CuratorError(f"cannot listen on {address}:{port} ({exc.strerror}): check --address") from None


def _local_host(address: str) -> str:
    """The host a browser on this machine uses to reach `address`."""
    if address in ("0.0.0.0", ""):
        return "127.0.0.1"
    if address == "::":
        return "[::1]"
    return f"[{address}]" if ":" in address else address


def app_url(address: str, port: int, dataset_name: str, token: str | None = None) -> str:
    url = f"http://{_local_host(address)}:{port}/datasets/{quote(dataset_name)}"
    return f"{url}?token={token}" if token else url


def exposure_warning(address: str) -> str | None:
    """The warning for an address other machines can reach; None on loopback."""
    if is_loopback(address):
        return None
    return (f"warning: --address {address} lets other machines reach the review App; the token protects it, "
            "but the traffic (token included) is unencrypted HTTP: prefer the default 127.0.0.1 and an SSH tunnel")


@dataclass
class ReviewServer:
    """The running App server: its child process, URL and token."""

    process: subprocess.Popen
    address: str
    port: int
    token: str
    log_path: Path

    def url(self, dataset_name: str) -> str:
        return app_url(self.address, self.port, dataset_name, self.token)

    def request(self, path: str, timeout: float = 5.0) -> int:
        """Status of an authenticated GET on the server (readiness check)."""
        host = _local_host(self.address).strip("[]")
        with closing(http.client.HTTPConnection(host, self.port, timeout=timeout)) as conn:
            conn.request("GET", path, headers={"Authorization": f"Bearer {self.token}"})
            return conn.getresponse().status

    def last_log_line(self) -> str:
        try:
            lines = [ln for ln in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
        except FileNotFoundError:
            return "no output"
        return lines[-1].strip() if lines else "no output"

    def listening(self) -> bool:
        """Whether the child itself holds the port (so the token goes to it, not to whoever took the port)."""
        import psutil

        try:
            conns = psutil.Process(self.process.pid).net_connections(kind="inet")
        except psutil.Error:
            return False
        return any(c.status == psutil.CONN_LISTEN and c.laddr.port == self.port for c in conns)

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise CuratorError(f"the review App did not start ({self.last_log_line()}); see {self.log_path}")
            try:
                if self.listening() and self.request("/fiftyone", timeout=2.0) == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise CuratorError(f"the review App did not answer within {timeout:.0f}s; see {self.log_path}")
            time.sleep(0.25)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdin is not None:
            self.process.stdin.close()


@contextmanager
def serve_app(address: str, port: int, media_roots: Sequence[Path], log_path: Path,
              exit_when_closed: bool = False) -> Iterator[ReviewServer]:
    """The guarded App server while the block runs; it is stopped on the way out.

    Media is sent only from below `media_roots`. With `exit_when_closed` the server ends once
    the reviewer has closed every App tab.
    """
    check_port_free(address, port)
    token = new_token()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    settings = {"address": address, "port": port, "token": token, "exit_when_closed": exit_when_closed,
                "media_roots": [str(Path(r).resolve()) for r in media_roots]}
    with open(log_path, "wb") as log:
        # Own session: Ctrl-C in the terminal reaches curator, which then stops the server itself.
        proc = subprocess.Popen([sys.executable, "-m", "curator.review.server"], stdin=subprocess.PIPE,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = ReviewServer(proc, address, port, token, log_path)
    try:
        assert proc.stdin is not None
        proc.stdin.write((json.dumps(settings) + "\n").encode())
        proc.stdin.flush()  # stdin stays open: the server stops when it closes
        server.wait_ready()
        yield server
    finally:
        server.stop()


def open_in_browser(url: str) -> None:
    webbrowser.open(url, new=2)


def _leave(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def wait_until_left(server: ReviewServer) -> str | None:
    """Block until the server ends (every tab closed, when asked), Ctrl-C, SIGTERM or a closed terminal.

    Returns a line to show when the server ended on its own for another reason than closed tabs.
    """
    # SIGTERM and SIGHUP (terminal closed) end the session like Ctrl-C, so the tags still get synced.
    previous = {sig: signal.signal(sig, _leave) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        while server.process.poll() is None:
            time.sleep(0.5)
        if server.process.returncode != 0:
            return f"the review App stopped ({server.last_log_line()}); see {server.log_path}"
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return None
