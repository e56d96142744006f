"""`curator collect SUBJECT`: scrape art sites through gallery-dl into the store and a new manifest."""

from __future__ import annotations

from itertools import count
from typing import List, Optional

import typer
from rich.markup import escape
from rich.table import Table

from curator.cli.common import JsonOption, console, print_json, progress, workspace
from curator.errors import CuratorError


def _parse_sources(values: list[str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for value in values:
        name, sep, url = value.partition("=")
        if sep and not url.startswith(("http://", "https://")):
            raise CuratorError(f"--source {value}: the URL must start with http:// or https://")
        out[name.strip()] = url.strip() or None
    return out


def collect(
    subject: str = typer.Argument(..., help="Subject preset (collect.subjects in curator.toml), e.g. elf, mascot, yuru-chara."),
    query: List[str] = typer.Option([], "--query", "-q", help="Search query for every source, instead of the preset (repeatable)."),
    source: List[str] = typer.Option([], "--source", "-s", help="Only this source, optionally on a self-hosted root: NAME or NAME=URL (repeatable)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=0, help="Most new files in this run, all sources together (0: no limit)."),
    limit_per_source: Optional[int] = typer.Option(None, "--limit-per-source", min=0, help="Most new files per source (0: no limit)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List what would be fetched; download nothing."),
    as_json: bool = JsonOption,
) -> None:
    """Download new images with their provenance; run again to resume, nothing is fetched twice."""
    from curator.collect.run import CollectRequest, collect as run_collect

    ws = workspace()
    ws.init()
    req = CollectRequest(subject, list(query), _parse_sources(source), limit, limit_per_source, dry_run)
    new = count(1)  # next() on it is atomic: the sources run in threads
    with progress("collecting") as advance:
        result = run_collect(ws, req, lambda: advance(next(new)))
    if as_json:
        print_json({
            "sources": [{**r.as_dict(), **({"would": [dict(zip(("key", "query", "url"), w)) for w in r.would]} if dry_run else {})}
                        for r in result.reports],
            "new_items": result.new_items, "new_sources": result.new_sources,
            "manifest": str(result.manifest_path) if result.manifest_path else None,
        })
        return
    if dry_run:
        for r in result.reports:
            for key, q, url in r.would:
                console.print(escape(f"{r.source}\t{q}\t{url or key}"), highlight=False)
    _print_table(result.reports, dry_run)
    if result.manifest_path:
        console.print(f"{result.new_items} new items, {result.new_sources} new sources of known items\nmanifest: {result.manifest_path}")
    elif not dry_run:
        console.print("nothing new; no new manifest version")


def _print_table(reports, dry_run: bool) -> None:
    # requests / 429s / waited / per hour show where a source's time went (request spacing, back-off).
    table = Table("source", "found", "would fetch" if dry_run else "new", "already had", "filtered", "failed",
                  "requests", "429s", "waited", "images/h", "status", "what to do")
    for r in reports:
        status = r.status if not r.reason else f"{r.status}: {r.reason}"
        table.add_row(r.source, str(r.found), str(len(r.would) if dry_run else r.new), str(r.already), str(r.filtered),
                      str(r.failed), str(r.requests), str(r.rate_limited), f"{r.waited:.1f} s",
                      "" if dry_run else f"{r.per_hour:.0f}", escape(status), escape(r.advice or ""))
    console.print(table)
