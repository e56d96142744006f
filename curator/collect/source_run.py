"""Drive one source's gallery-dl process: read its events, hand finished files to the writer.

Each source runs in its own gallery-dl process, so a source that fails (403, Cloudflare, login,
a changed site) cannot stop the others, and each site keeps its own request spacing.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from curator.collect.diagnose import diagnose
from curator.collect.gallerydl import LOG_FILE
from curator.collect.sources.base import Source
from curator.collect.writer import Writer

LOG_TAIL = 200  # log lines kept in memory for the diagnosis; the full log is on disk
EVENT_PAUSE = 0.01  # seconds between reads of gallery-dl's events, so they arrive in batches

# urllib3 logs every response at debug level: '... "GET /path HTTP/1.1" 200 1234'.
_RESPONSE = re.compile(r'^\[urllib3\.connectionpool\]\[debug\] \S+ "[A-Z]+ \S+ HTTP/[\d.]+" (\d{3})')
# gallery-dl's waits: 'Sleeping 1.50 seconds (request)' and 'Waiting for 2 minutes until 12:00:00 (reason)'.
_SLEEP = re.compile(r"\]\[debug\] Sleeping ([\d.]+) seconds")
_WAIT = re.compile(r"\]\[info\] Waiting for (?:(\d+)h )?(\d+) ?(seconds|minutes|min) until")


@dataclass
class RunStats:
    """Where a source's time went, read from gallery-dl's debug log once it has finished."""

    requests: int = 0  # HTTP responses from the site and its file hosts
    rate_limited: int = 0  # of which '429 Too Many Requests'
    waited: float = 0.0  # seconds gallery-dl slept: request spacing, retries, 429 back-off
    last_status: int | None = None

    @classmethod
    def from_log(cls, path: Path) -> "RunStats":
        stats = cls()
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    stats.read(line.rstrip("\n"))
        except OSError:
            pass  # gallery-dl did not start
        return stats

    def read(self, line: str) -> None:
        if m := _RESPONSE.match(line):
            self.requests += 1
            self.last_status = int(m[1])
            self.rate_limited += self.last_status == 429
        elif m := _SLEEP.search(line):
            self.waited += float(m[1])
        elif m := _WAIT.search(line):
            # Only whole seconds or minutes are logged; the +1 s gallery-dl adds to every wait is not.
            self.waited += int(m[1] or 0) * 3600 + int(m[2]) * (1 if m[3] == "seconds" else 60)


@dataclass
class SourceReport:
    source: str
    found: int = 0  # posts gallery-dl listed
    new: int = 0  # files downloaded and stored
    already: int = 0  # files skipped: in the download archive from this or an earlier run
    failed: int = 0  # files whose download failed
    status: str = "ok"  # ok, failed, skipped, limit
    reason: str | None = None
    advice: str | None = None
    would: list[tuple[str, str, str]] = field(default_factory=list)  # dry run: (key, query, url)
    requests: int = 0  # HTTP requests to the site and its file hosts
    rate_limited: int = 0  # '429 Too Many Requests' answers among them
    waited: float = 0.0  # seconds spent sleeping between requests and before retries
    seconds: float = 0.0  # wall time of the source's gallery-dl run

    @property
    def filtered(self) -> int:
        # Posts gallery-dl listed whose files all failed the collection filters.
        return max(0, self.found - self.new - self.already - self.failed - len(self.would))

    @property
    def per_hour(self) -> float:
        """New images per hour of this source's run."""
        return self.new * 3600.0 / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict:
        out = {k: v for k, v in vars(self).items() if k != "would"}
        out.update(filtered=self.filtered, per_hour=round(self.per_hour, 1), waited=round(self.waited, 2),
                   seconds=round(self.seconds, 2))
        return out


class Budget:
    """The run's total --limit, shared by the source threads."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.used = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Count one new file; False once the limit is reached (the file is still kept)."""
        with self._lock:
            self.used += 1
            return not self.total or self.used < self.total

    def exhausted(self) -> bool:
        with self._lock:
            return bool(self.total) and self.used >= self.total


@dataclass
class SourceRun:
    source: Source
    cmd: list[str]
    workdir: Path
    limit: int  # new files for this source; 0 = no limit
    dry_run: bool = False


def run_source(job: SourceRun, writer: Writer, budget: Budget, on_new: Callable[[], None]) -> SourceReport:
    report = SourceReport(job.source.name)
    if budget.exhausted():
        report.status = "limit"
        return report
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"}
    started = time.monotonic()
    proc = subprocess.Popen(job.cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    tail: deque[str] = deque(maxlen=LOG_TAIL)  # what gallery-dl shows a user (info and above)
    reader = threading.Thread(target=_drain, args=(proc.stderr.fileno(), tail), daemon=True)
    reader.start()
    events = _Events(job, writer, budget, report, on_new)
    try:
        stopped = events.read(_event_lines(proc.stdout.fileno()))
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait()
        reader.join()
    stats = RunStats.from_log(job.workdir / LOG_FILE)
    report.seconds = time.monotonic() - started
    report.requests, report.rate_limited, report.waited = stats.requests, stats.rate_limited, stats.waited
    if stopped:
        report.status = "limit"
    elif proc.returncode != 0 and (report.failed or proc.returncode & ~4 or not (report.new or report.already)):
        diag = diagnose(job.source, list(tail), proc.returncode, stats.last_status)
        report.status, report.reason, report.advice = "failed", diag.reason, diag.advice
    return report


def _event_lines(fd: int, pause: float = EVENT_PAUSE) -> Iterator[str]:
    """gallery-dl's event lines, read in batches until it exits.

    gallery-dl writes each event the moment it happens. Waking up for every line cost about
    as much CPU as handling it (a context switch per line, on a path gallery-dl waits on too);
    pausing between reads lets the lines of the last few milliseconds arrive as one batch.
    """
    pending = b""
    while chunk := os.read(fd, 1 << 16):
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            yield line.decode("utf-8", "replace")
        time.sleep(pause)
    if pending:
        yield pending.decode("utf-8", "replace")


def _drain(fd: int, tail: deque[str]) -> None:
    for line in _event_lines(fd):
        tail.append(line)


class _Events:
    """One source's gallery-dl event lines, turned into counts and ingest jobs."""

    def __init__(self, job: SourceRun, writer: Writer, budget: Budget, report: SourceReport,
                 on_new: Callable[[], None]) -> None:
        self.job, self.writer, self.budget, self.report, self.on_new = job, writer, budget, report, on_new
        self.seen_would: set[str] = set()

    def read(self, lines: Iterator[str]) -> bool:
        """Consume lines until gallery-dl exits; True when a limit stopped it."""
        counters = {"found": "found", "already": "already", "failed": "failed"}
        for line in lines:
            kind, _, rest = line.rstrip("\n").partition("\t")
            if kind in counters:
                setattr(self.report, counters[kind], getattr(self.report, counters[kind]) + 1)
            elif kind == "new" and self._new(rest):
                return True
            elif kind == "would" and self._would(rest):
                return True
        return False

    def _new(self, rest: str) -> bool:
        _key, _, path = rest.partition("\t")
        try:
            self.writer.ingest_new(self.job.source, Path(path))
        except (OSError, LookupError):  # the staged file vanished or its metadata line is unreadable
            self.report.failed += 1
            return False
        self.report.new += 1
        self.on_new()
        return self._hit_limit(self.report.new)

    def _would(self, rest: str) -> bool:
        key, query, url = (rest.split("\t") + ["", ""])[:3]
        if key in self.seen_would:  # the same post found by two queries is one download
            self.report.already += 1
            return False
        self.seen_would.add(key)
        self.report.would.append((key, query, url))
        return self._hit_limit(len(self.report.would))

    def _hit_limit(self, count: int) -> bool:
        over_total = not self.budget.take()
        return over_total or bool(self.job.limit and count >= self.job.limit)
