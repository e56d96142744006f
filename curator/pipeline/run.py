"""`curator run`: the stages in order, each skipped when its input and settings match what it made last time.

Every stage already writes nothing when re-run on the same inputs (ManifestRepo.commit); the run
record (`run.json`) lets the chain skip even the reading: a step whose input (the previous step's
output id) and settings (its curator.toml section) equal its record, and whose output is still
there, is up to date. So running the same command again continues from the first step whose
inputs changed, and a training run killed half-way resumes from its last snapshot.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from commons.hashing import settings_key
from curator.errors import CuratorError
from curator.pipeline.config import STEPS, RunConfig
from curator.pipeline.record import Done, RunRecord, StepRecord
from curator.pipeline.steps import STEP_TYPES, Context, Request, Review, Step
from curator.workspace import Workspace

UP_TO_DATE = "up to date"
WOULD_RUN = "would run"
PAUSED = "paused"


@dataclass
class StepReport:
    name: str
    status: str  # UP_TO_DATE, WOULD_RUN, PAUSED, or what running it did: made, unchanged, resumed from ..., reused, ...
    done: Done | None = None
    seconds: float = 0.0
    why: str = ""  # why a step would run, or what to do at a pause


@dataclass
class RunReport:
    steps: list[StepReport] = field(default_factory=list)
    paused: bool = False
    record: str = ""

    def output(self, name: str) -> Done | None:
        return next((s.done for s in self.steps if s.name == name and s.done is not None), None)

    @property
    def would_run(self) -> list[str]:
        return [s.name for s in self.steps if s.status == WOULD_RUN]


def step_names(request: Request, until: str) -> list[str]:
    """collect or import first, then the rest of the chain up to `until`."""
    first = "collect" if request.subject else "import"
    names = [first, *STEPS[2:]]
    if until in ("collect", "import"):
        if until != first:
            how = "a SUBJECT" if until == "collect" else "--from DIR"
            raise CuratorError(f"--until {until}: this run starts with {first}; {until} needs {how}")
        return [first]
    return names[: names.index(until) + 1]


def run_pipeline(ws: Workspace, request: Request, cfg: RunConfig, dry_run: bool = False,
                 on_step: Callable[[StepReport], object] = lambda r: None,
                 say: Callable[[str], object] = print) -> RunReport:
    """Run (or with `dry_run`, plan) the chain; `on_step` hears of each step as it ends."""
    if not (request.subject or request.folder) or (request.subject and request.folder):
        raise CuratorError("give a SUBJECT to collect or --from DIR to import, not both")
    if request.folder is not None and not request.folder.is_dir():
        raise CuratorError(f"--from {request.folder}: no such folder")
    names = step_names(request, cfg.until)
    record = RunRecord.load(ws.root)
    report = RunReport(record=str(record.path))
    ctx = Context(ws, cfg, request, say)
    if not dry_run:
        ws.init()
        source = {"subject": request.subject, "queries": request.queries, "sources": request.sources,
                  "limit": request.limit, "limit_per_source": request.limit_per_source} if request.subject \
            else {"from": str(request.folder.resolve())}  # type: ignore[union-attr]
        record.config = {"source": source, **cfg.model_dump(mode="json"), "review_skipped": cfg.review == "skip"}
        record.save()

    def tell(step_report: StepReport) -> None:
        report.steps.append(step_report)
        on_step(step_report)

    outputs: dict[str, Done] = {}  # each step's output, as far as it is known
    blocked: dict[str, str] = {}  # in a plan: step -> the earlier step whose new output it waits for
    last: str | None = None
    for name in names:
        step = STEP_TYPES[name]()
        source, last = step.reads or last, name
        if source in blocked:
            blocked[name] = blocked[source]
            tell(StepReport(name, WOULD_RUN, why=f"after {blocked[source]}"))
            continue
        prev = outputs.get(source) if source else None
        given, settings = step.input(ctx, prev), settings_key(step.settings(ctx))
        rec = record.steps.get(name)
        fresh = rec is not None and rec.input == given and rec.settings == settings and step.exists(ctx, rec.done)
        if isinstance(step, Review):
            assert prev is not None
            outcome = _review(step, ctx, record, prev, rec if fresh else None, dry_run, tell)
            if outcome is None:
                if not dry_run:
                    report.paused = True
                    return report
                blocked[name] = name
                continue
            outputs[name] = outcome
            if not dry_run and (rec is None or not fresh or rec.done.id != outcome.id):
                record.steps[name], record.paused = StepRecord(given, settings, outcome), None
                record.save()
            continue
        if fresh and not step.always:
            assert rec is not None
            tell(StepReport(name, UP_TO_DATE, rec.done))
            outputs[name] = rec.done
            continue
        if dry_run:
            if step.always:
                tell(StepReport(name, WOULD_RUN, why="asks the sources for new images; the steps below assume none"))
                if rec is not None and step.exists(ctx, rec.done):
                    outputs[name] = rec.done
                else:
                    blocked[name] = name
                continue
            tell(StepReport(name, WOULD_RUN, why=_why(step, ctx, prev, rec, given, settings)))
            blocked[name] = name
            continue
        start = time.perf_counter()
        done, word = step.make(ctx, prev)
        seconds = time.perf_counter() - start
        record.steps[name] = StepRecord(given, settings, done, round(seconds, 3))
        record.save()
        tell(StepReport(name, word, done, seconds))
        outputs[name] = done
    return report


def _why(step: Step, ctx: Context, prev: Done | None, rec: StepRecord | None, given: str, settings: str) -> str:
    pending = step.pending(ctx, prev)
    if pending:
        return pending
    if rec is None:
        return "not run yet"
    if rec.input != given:
        return "the folder changed" if step.name == "import" else "its input changed"
    if rec.settings != settings:
        return f"its settings changed ([{step.section.rstrip('_')}]{' or [run]' if step.name == 'train' else ''})"
    return "its output is missing"


def _review(step: Review, ctx: Context, record: RunRecord, prev: Done, fresh: StepRecord | None, dry_run: bool,
            tell: Callable[[StepReport], None]) -> Done | None:
    """The review step's output, or None where the run stops (or, in a plan, would stop) for a person."""
    mode = ctx.run.review
    if fresh is not None or mode == "skip" or record.paused == prev.id:
        current = step.current(ctx, prev)
        if fresh is not None and current.id == fresh.done.id:
            tell(StepReport(step.name, UP_TO_DATE, current))
        elif dry_run:
            tell(StepReport(step.name, WOULD_RUN, current, why="takes your review decisions" if mode != "skip" else "skips review"))
        else:
            tell(StepReport(step.name, "skipped" if mode == "skip" else "continued", current))
        return current
    if mode == "now":
        if dry_run:
            tell(StepReport(step.name, WOULD_RUN, why="opens the App for your review"))
            return None
        start = time.perf_counter()
        done, word = step.make(ctx, prev)
        tell(StepReport(step.name, word, done, time.perf_counter() - start))
        return done
    if dry_run:
        tell(StepReport(step.name, WOULD_RUN, why="pauses for your review"))
        return None
    record.paused = prev.id
    record.save()
    tell(StepReport(step.name, PAUSED, why=prev.path))
    return None
