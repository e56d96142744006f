"""`curator run SUBJECT | --from DIR`: from a word (or a folder) to a trained, evaluated model, resumably."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import List, Optional

import typer
from rich.markup import escape

from curator.cli.collect_cmd import _parse_sources
from curator.cli.common import console, workspace
from curator.errors import CuratorError

_VERSIONS = ("collect", "import", "process", "cluster", "review")


def run(
    subject: Optional[str] = typer.Argument(None, help="Subject preset to collect (as `curator collect`), e.g. elf, mascot."),
    from_dir: Optional[Path] = typer.Option(None, "--from", help="Start from a local folder (imported) instead of collecting."),
    query: List[str] = typer.Option([], "--query", "-q", help="Collect: search query for every source, instead of the preset (repeatable)."),
    source: List[str] = typer.Option([], "--source", "-s", help="Collect: only this source, NAME or NAME=URL (repeatable)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=0, help="Collect: most new files in this run (0: no limit)."),
    limit_per_source: Optional[int] = typer.Option(None, "--limit-per-source", min=0, help="Collect: most new files per source."),
    review_now: bool = typer.Option(False, "--review-now", help="Open the review App after cluster and continue when you leave it."),
    no_review: bool = typer.Option(False, "--no-review", help="Train on the clustered version without review (recorded in run.json)."),
    until: Optional[str] = typer.Option(None, "--until", help="Last step: collect|import, process, cluster, review, export, train, eval, generate."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan: which steps would run and which are up to date."),
) -> None:
    """Collect (or import), process, cluster, pause for review, export, train, evaluate and generate, in one command.
    Run it again to continue: steps whose inputs and settings did not change are not redone."""
    from curator.pipeline.run import PAUSED, UP_TO_DATE, WOULD_RUN, run_pipeline
    from curator.pipeline.steps import Request

    if review_now and no_review:
        raise CuratorError("--review-now and --no-review contradict each other; give one")
    ws = workspace()
    cfg = ws.config.run.override(review="now" if review_now else "skip" if no_review else None, until=until)
    request = Request(subject, from_dir, list(query), _parse_sources(source), limit, limit_per_source)
    again = "curator run " + (shlex.quote(subject) if subject else f"--from {shlex.quote(str(from_dir))}")

    def line(r) -> None:
        shown = ""
        if r.done is not None:
            shown = f"version {r.done.id[:12]}" if r.name in _VERSIONS else _rel(ws.root, Path(r.done.path))
        if r.status == WOULD_RUN:
            console.print(escape(f"{r.name:<9} would run   {r.why}"), highlight=False)
        elif r.status == PAUSED:
            console.print(f"{r.name:<9} paused      for your review of the clustered version {Path(r.why).name}", highlight=False)
        elif r.status == UP_TO_DATE:
            console.print(escape(f"{r.name:<9} up to date  {shown}  {r.done.made}"), highlight=False)
        else:
            console.print(escape(f"{r.name:<9} {r.status:<11} {shown}  {r.done.made}  ({r.seconds:.1f} s)"), highlight=False)

    report = run_pipeline(ws, request, cfg, dry_run=dry_run, on_step=line, say=console.print)
    if dry_run:
        todo = report.would_run
        console.print(f"plan: {', '.join(todo)} would run" if todo else "plan: everything is up to date", highlight=False)
        return
    if report.paused:
        rc = ws.config.review
        console.print(
            f"  review it: curator review   (the FiftyOne App at http://{rc.address}:{rc.port}; tag samples 'reject', "
            "'accept' or 'label:<name>', then close the App tabs to sync)\n"
            f"  or review in this command with `{again} --review-now`, or train without review with `{again} --no-review`\n"
            f"next: `{again}` again to continue", highlight=False)
        return
    _summary(ws.root, report)


def _rel(root: Path, path: Path) -> str:
    return str(path.relative_to(root) if path.is_relative_to(root) else path)


def _summary(root: Path, report) -> None:
    console.print("\nsummary", style="bold")
    for r in report.steps:
        if r.done is None:
            continue
        c = r.done.counts
        if "kept" in c:
            console.print(f"  {r.name:<9} {c['kept']} kept of {c['items']} items", highlight=False)
        elif "images" in c and r.name == "export":
            console.print(f"  {r.name:<9} {c['images']} training images", highlight=False)
    train, evaluated, generated = report.output("train"), report.output("eval"), report.output("generate")
    if train is not None:
        console.print(f"  run folder: {train.path}", highlight=False)
        c = train.counts
        for key in [k for k in c if k.endswith("_first")]:
            name = key[: -len("_first")]
            console.print(f"  {name.upper()} at the first snapshot {c[key]:.4g}, at the last {c[name + '_last']:.4g} "
                          f"({c['snapshots']} snapshots, {c['kimg']:g} kimg; lower is better)", highlight=False)
    if evaluated is not None:
        metrics = ", ".join(f"{k} {v:.4g}" for k, v in evaluated.counts["metrics"].items())
        console.print(f"  metrics: {metrics}  ({evaluated.path})", highlight=False)
    if generated is not None:
        grid = Path(generated.path)
        console.print(f"  samples: {grid}", highlight=False)
        if (grid.parent / "reals.png").is_file():
            console.print(f"  reals:   {grid.parent / 'reals.png'}  (training images, for comparison)", highlight=False)
    console.print(f"  record:  {report.record}", highlight=False)
