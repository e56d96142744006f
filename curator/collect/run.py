"""Schedule a collection: pick sources, run them side by side, fold the journal into a manifest."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from curator.collect import gallerydl
from curator.collect.config import CollectConfig
from curator.collect.source_run import Budget, SourceReport, SourceRun, run_source
from curator.collect.sources import registry
from curator.collect.sources.base import Source
from curator.collect.writer import Journal, Writer
from curator.errors import CuratorError
from curator.workspace import RAW_STAGES, Workspace
from manifests import Item


@dataclass
class CollectRequest:
    subject: str
    queries: list[str] = field(default_factory=list)  # overrides the preset for every source
    sources: dict[str, str | None] = field(default_factory=dict)  # name -> self-hosted root; empty = config
    limit: int | None = None
    limit_per_source: int | None = None
    dry_run: bool = False


@dataclass
class CollectResult:
    reports: list[SourceReport]
    new_items: int = 0
    new_sources: int = 0
    manifest_path: Path | None = None


def collect(ws: Workspace, req: CollectRequest, on_new: Callable[[], None] = lambda: None) -> CollectResult:
    cfg = ws.config.collect
    chosen, skipped = _choose_sources(cfg, req)
    workroot = ws.cache_dir("collect")
    journal = Journal(workroot / "journal.jsonl")
    writer = Writer(ws, journal)
    budget = Budget(cfg.limit if req.limit is None else req.limit)
    per_source = cfg.limit_per_source if req.limit_per_source is None else req.limit_per_source
    jobs = []
    for source, queries in chosen:
        workdir = workroot / ("dry-run" if req.dry_run else "sources") / source.name
        workdir.mkdir(parents=True, exist_ok=True)
        if not req.dry_run:
            writer.sweep(source, workdir / "staging")
        config = gallerydl.build_config(source, cfg, cfg.site(source.name), workdir / "staging",
                                        workroot / f"archive-{source.name}.sqlite3", req.dry_run)
        cmd = gallerydl.command(workdir, config, gallerydl.input_file(source, queries), cfg.user_gallery_dl_config)
        jobs.append(SourceRun(source, cmd, workdir, per_source, req.dry_run))
    try:
        with ThreadPoolExecutor(max(1, min(cfg.parallel_sources, len(jobs) or 1))) as pool:
            reports = list(pool.map(lambda job: run_source(job, writer, budget, on_new), jobs))
    finally:
        writer.close()
    result = CollectResult(reports + skipped)
    if not req.dry_run:
        _write_manifest(ws, req, cfg, journal, result)
    return result


def _queries(cfg: CollectConfig, req: CollectRequest, source: str) -> list[str]:
    if req.queries:
        return req.queries
    return cfg.subjects[req.subject].queries_for(source)


def _choose_sources(cfg: CollectConfig, req: CollectRequest) -> tuple[list[tuple[Source, list[str]]], list[SourceReport]]:
    """Sources to run with their queries, and reports for the ones that cannot run (no login)."""
    known = registry()
    if not req.queries and req.subject not in cfg.subjects:
        raise CuratorError(f"no preset for subject '{req.subject}': pass --query, or add [collect.subjects.{req.subject}] "
                           f"to curator.toml (presets: {', '.join(sorted(cfg.subjects))})")
    unknown = sorted(set(req.sources) - set(known))
    if unknown:
        raise CuratorError(f"unknown source '{unknown[0]}' (known: {', '.join(sorted(known))})")
    names = list(req.sources) or [n for n in sorted(known) if _enabled(cfg, known[n])]
    chosen, skipped = [], []
    for name in names:
        site = cfg.site(name)
        source = known[name](req.sources.get(name) or site.url)
        if not gallerydl.has_credentials(source, site):
            skipped.append(SourceReport(name, status="skipped", reason="needs a login", advice=source.login.how))
        elif queries := _queries(cfg, req, name):
            chosen.append((source, queries))
    if not chosen and not skipped:
        raise CuratorError("no sources to collect from: enable one in [collect.sites] or pass --source")
    return chosen, skipped


def _enabled(cfg: CollectConfig, cls: type[Source]) -> bool:
    site = cfg.site(cls.name)
    if site.enabled is not None:
        return site.enabled
    # Login-only sources join in by themselves once gallery-dl's config or a cookies file has credentials.
    return cls.login is None or gallerydl.has_credentials(cls(site.url), site)


def _write_manifest(ws: Workspace, req: CollectRequest, cfg: CollectConfig, journal: Journal, result: CollectResult) -> None:
    """Merge journaled items into the latest raw version; a run that found nothing new writes nothing."""
    with ws.writing("collect"):  # the latest raw version read here is still the latest when this one is committed
        _commit_journal(ws, req, cfg, journal, result)


def _commit_journal(ws: Workspace, req: CollectRequest, cfg: CollectConfig, journal: Journal, result: CollectResult) -> None:
    parent = ws.manifests.latest(RAW_STAGES)
    items: dict[str, Item] = {it.id: it.model_copy(deep=True) for it in parent.items} if parent else {}
    for item in journal.items():
        _merge(items, item, result)
    if result.new_items or result.new_sources:
        path, is_new, _ = ws.manifests.commit(
            parent, "collect",
            {"subject": req.subject, "queries": req.queries, "sources": req.sources, "limit": req.limit,
             "limit_per_source": req.limit_per_source, **cfg.model_dump(mode="json")},
            sorted(items.values(), key=lambda it: (_sort_key(it), it.id)),
            {"collect": {r.source: r.as_dict() for r in result.reports}})
        result.manifest_path = path if is_new else None
    # Only now is every journaled item safely inside a manifest version.
    journal.clear()


def _sort_key(item: Item) -> str:
    src = item.sources[0] if item.sources else None
    return (src.path or src.page or src.url or "") if src else ""


def _merge(items: dict[str, Item], new: Item, result: CollectResult) -> None:
    existing = items.get(new.id)
    if existing is None:
        items[new.id] = new
        result.new_items += 1
        return
    known = {(s.site, s.page, s.url, s.path) for s in existing.sources}
    for src in new.sources:
        if (src.site, src.page, src.url, src.path) not in known:
            existing.sources.append(src)
            result.new_sources += 1
