"""The gallery-dl side of one source's run: its configuration, input file and command line.

gallery-dl (GPL-2.0) runs as a separate program; curator only writes it a JSON config and reads
its printed events and metadata files. Events are printed by gallery-dl's own `metadata`
post-processor, one tab-separated line each, so no gallery-dl code is imported.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from commons.atomic import write_text
from curator.collect.config import CollectConfig, SiteConfig
from curator.collect.sources.base import Source

URL_KEY = "curator_url"  # gallery-dl puts each file's download URL here
HEADERS_KEY = "curator_http"  # ... and the file response's headers, as a JSON string
QUERY_KEY = "curator_query"  # ... and the query that found it (set per input URL)
FILE_KEY = "curator_file"  # ... and the staged file's path, tying a metadata line to its file
METADATA_LOG = "metadata.jsonl"  # one JSON line per finished download, in the staging folder
LOG_FORMAT = "[{name}][{levelname}] {message}"
LOG_FILE = "gallery-dl.log"  # gallery-dl's own debug log, in the source's work folder

# Event lines on gallery-dl's stdout: kind, then fields. 'found' is per post, the rest per file.
EVENTS = {
    "post": "found",
    "skip": "already\t{_curator_key}",
    "error": "failed\t{_curator_key}",
    "after": "new\t{_curator_key}\t{_path}",
}


def _printer(event: str, fmt: str) -> dict[str, Any]:
    return {"name": "metadata", "mode": "print", "event": event, "format": fmt}


def _postprocessors(dry_run: bool) -> list[dict[str, Any]]:
    if dry_run:
        return [_printer("post", EVENTS["post"]),
                _printer("prepare-after", f"would\t{{_curator_key}}\t{{{QUERY_KEY}}}\t{{{URL_KEY}}}")]
    return [
        # Metadata is logged first, at 'file' (before the download is moved into place), so a
        # finished file always has its line even if the process dies right after. One appended
        # log instead of a sidecar per file: creating and later deleting a small file per
        # download cost more than the download itself on a local server.
        {"name": "metadata", "mode": "modify", "event": "file",
         "fields": {HEADERS_KEY: "{_http!j}", FILE_KEY: "{_path}"}},
        {"name": "metadata", "mode": "jsonl", "event": "file", "filename": METADATA_LOG},
        *(_printer(event, fmt) for event, fmt in EVENTS.items()),
    ]


def _keywords(source: Source, query: str | None = None) -> dict[str, str]:
    # Evaluated as format strings by gallery-dl ('keywords-eval'): the key names the file the
    # way the download archive does; the query is escaped so it stays literal.
    out = {"_curator_key": source.post_key}
    if query is not None:
        out[QUERY_KEY] = query.replace("{", "{{").replace("}", "}}")
    return out


def build_config(source: Source, cfg: CollectConfig, site: SiteConfig, staging: Path, archive: Path,
                 dry_run: bool) -> dict[str, Any]:
    """gallery-dl's configuration for one source. One process runs one source, so it is all top-level."""
    extractor: dict[str, Any] = {
        "base-directory": str(staging), "directory": [],
        "archive": str(archive), "archive-prefix": "", "archive-format": source.post_key,
        # WAL without a sync per insert: a power cut can only forget the last few entries, and a
        # forgotten entry costs one repeated download that the store deduplicates anyway.
        "archive-pragma": ["journal_mode=WAL", "synchronous=NORMAL"],
        "image-filter": source.filter_expression(cfg.filters),
        "retries": cfg.retries, "timeout": cfg.timeout,
        "sleep-retries": f"exp={cfg.retry_backoff}", "sleep-429": f"exp={cfg.backoff_429}",
        "url-metadata": URL_KEY, "http-metadata": "_http",
        "keywords": _keywords(source), "keywords-eval": True,
        "postprocessors": _postprocessors(dry_run),
        **source.gallery_dl_options,
        **site.options,
    }
    interval = site.request_interval if site.request_interval is not None else cfg.request_interval
    if interval is not None:
        extractor["sleep-request"] = interval
    if site.cookies:
        extractor["cookies"] = str(Path(site.cookies).expanduser())
    if dry_run:
        extractor.update({"download": False, "archive-event": ""})
    return {
        "extractor": extractor,
        # gallery-dl's file downloader gives up on a 429 unless told to retry it (file hosts such
        # as upload.wikimedia.org answer 429 too); it then waits sleep-429 like the API requests.
        "downloader": {"http": {"retries": cfg.retries, "timeout": cfg.timeout, "sleep-429": f"exp={cfg.backoff_429}",
                                "retry-codes": [429]}},
        "output": {"mode": "null", "progress": False, "log": LOG_FORMAT},
    }


def input_file(source: Source, queries: list[str]) -> str:
    """gallery-dl input file: each query's URLs, tagged with the query through per-URL keywords."""
    lines = []
    for query in queries:
        for url in source.urls(query):
            lines.append(f"-keywords = {json.dumps(_keywords(source, query), ensure_ascii=False)}")
            lines.append(url)
    return "\n".join(lines) + "\n"


def command(workdir: Path, config: dict[str, Any], urls: str, user_config: bool) -> list[str]:
    """Write the config and input file into `workdir` (kept as the run's record) and return the command."""
    cfg_path, in_path = workdir / "gallery-dl.json", workdir / "input.txt"
    # The full record at debug level: urllib3's line per request and gallery-dl's per wait are what
    # the run's request, 429 and waiting counts are read from (source_run.RunStats). gallery-dl
    # writes it itself; reading it live cost curator a wake-up per line.
    config = {**config, "output": {**config.get("output", {}), "logfile": {
        "path": str(workdir / LOG_FILE), "mode": "w", "level": "debug", "format": LOG_FORMAT}}}
    write_text(cfg_path, json.dumps(config, indent=1, sort_keys=True))
    write_text(in_path, urls)
    ignore = [] if user_config else ["--config-ignore"]
    return [sys.executable, "-m", "gallery_dl", *ignore, "-c", str(cfg_path), "-i", str(in_path)]


def user_config_paths() -> list[Path]:
    """gallery-dl's default config locations (its own search order), for spotting credentials."""
    home = Path.home()
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    return [Path("/etc/gallery-dl.conf"), xdg / "gallery-dl" / "config.json", home / ".gallery-dl.conf"]


def has_credentials(source: Source, site: SiteConfig) -> bool:
    """True when a cookies file is configured or gallery-dl's own config holds one of the source's keys."""
    if source.login is None:
        return True
    if site.cookies and source.login.cookies:
        return True
    for path in user_config_paths():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        section = (data.get("extractor") or {}).get(source.category) or {}
        if any(section.get(k) for k in source.login.config_keys):
            return True
    return False
