"""Drive one source's gallery-dl process: read its events, hand finished files to the writer.

Each source runs in its own gallery-dl process, so a source that fails (403, Cloudflare, login,
a changed site) cannot stop the others, and each site keeps its own request spacing.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from curator.collect.diagnose import diagnose
from curator.collect.sources.base import Source
from curator.collect.writer import Writer

LOG_TAIL = 200  # log lines kept in memory for the diagnosis; the full log is on disk


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

    @property
    def filtered(self) -> int:
        # Posts gallery-dl listed whose files all failed the collection filters.
        return max(0, self.found - self.new - self.already - self.failed - len(self.would))

    def as_dict(self) -> dict:
        out = {k: v for k, v in vars(self).items() if k != "would"}
        out["filtered"] = self.filtered
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
    log_path = job.workdir / "gallery-dl.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"}
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(job.cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                encoding="utf-8", errors="replace", env=env)
        tail: deque[str] = deque(maxlen=LOG_TAIL)
        reader = threading.Thread(target=_drain, args=(proc.stderr, log, tail), daemon=True)
        reader.start()
        try:
            stopped = _consume(proc, job, writer, budget, report, on_new)
        finally:
            if proc.poll() is None:
                proc.terminate()
            proc.wait()
            reader.join()
    if stopped:
        report.status = "limit"
    elif proc.returncode != 0 and (report.failed or proc.returncode & ~4 or not (report.new or report.already)):
        diag = diagnose(job.source, list(tail), proc.returncode)
        report.status, report.reason, report.advice = "failed", diag.reason, diag.advice
    return report


def _drain(stream, log, tail: deque[str]) -> None:
    for line in stream:
        log.write(line)
        tail.append(line.rstrip("\n"))


def _consume(proc: subprocess.Popen, job: SourceRun, writer: Writer, budget: Budget, report: SourceReport,
             on_new: Callable[[], None]) -> bool:
    """Read event lines until gallery-dl exits; True when a limit stopped it."""
    seen_would: set[str] = set()
    for line in proc.stdout:
        kind, _, rest = line.rstrip("\n").partition("\t")
        if kind == "found":
            report.found += 1
        elif kind == "already":
            report.already += 1
        elif kind == "failed":
            report.failed += 1
        elif kind == "would":
            key, query, url = (rest.split("\t") + ["", ""])[:3]
            if key not in seen_would:  # the same post found by two queries is one download
                seen_would.add(key)
                report.would.append((key, query, url))
                if _hit_limit(len(report.would), job.limit, budget):
                    return True
            else:
                report.already += 1
        elif kind == "new":
            key, _, path = rest.partition("\t")
            try:
                writer.ingest(job.source, Path(path))
            except (OSError, ValueError):
                report.failed += 1  # staged file vanished or its sidecar is unreadable
                continue
            report.new += 1
            on_new()
            if _hit_limit(report.new, job.limit, budget):
                return True
    return False


def _hit_limit(count: int, limit: int, budget: Budget) -> bool:
    over_total = not budget.take()
    return over_total or bool(limit and count >= limit)
