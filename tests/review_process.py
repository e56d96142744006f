"""`curator review` in a child process, for the tests that drive it from outside."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path


class ReviewProcess:
    """`curator review --remote` in a child process, its output collected line by line."""

    def __init__(self, root: Path, port: int, *args: str, remote: bool = True) -> None:
        # BROWSER=true: without --remote, curator "opens" the URL with the `true` command; the test opens it.
        env = {**os.environ, "FIFTYONE_DO_NOT_TRACK": "true", "PYTHONUNBUFFERED": "1", "BROWSER": "true"}
        mode = ["--remote"] if remote else []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "curator.cli.app", "-w", str(root), "review", *mode, "--port", str(port), *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, prefix: str, timeout: float) -> str:
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no '{prefix}' line within {timeout}s; output: {''.join(self.seen)}") from None
            self.seen.append(line)
            if line.startswith(prefix):
                return line.strip()

    def finish(self, timeout: float = 90) -> str:
        """End the session the way closing the terminal does; return the rest of the output."""
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return "".join(self.seen)

    def stop(self) -> None:
        """After a failure: end it gracefully (so it stops the App and database), forcibly if it hangs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
