"""The steps of `curator run`, each a thin adapter over its stage's own `run_<stage>` function.

A step says what decides its output (`input` and `settings`), whether a recorded output is still
there (`exists`), and how to make it (`make`). The chain in `pipeline/run.py` skips a step whose
input and settings match its record; everything else is the stage's business.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from commons.hashing import settings_key
from curator.errors import CuratorError
from curator.pipeline.config import RunConfig
from curator.pipeline.record import Done
from curator.workspace import RAW_STAGES, Workspace
from manifests import Manifest


@dataclass
class Request:
    """Where the images come from: a subject to collect (with `curator collect`'s options) or a folder."""

    subject: str | None = None
    folder: Path | None = None
    queries: list[str] = field(default_factory=list)
    sources: dict[str, str | None] = field(default_factory=dict)
    limit: int | None = None
    limit_per_source: int | None = None


@dataclass
class Context:
    ws: Workspace
    run: RunConfig
    request: Request
    say: Callable[[str], object] = print


class Step:
    name = ""
    section = ""  # the curator.toml section the step reads
    reads: str | None = None  # the step whose output this one reads; None: the one before it
    always = False  # runs every time: its input lies outside the workspace and cannot be checked cheaply

    def input(self, ctx: Context, prev: Done | None) -> str:
        """The identity of what the step reads; by default the previous step's output."""
        assert prev is not None
        return prev.id

    def settings(self, ctx: Context) -> Any:
        return getattr(ctx.ws.config, self.section).model_dump(mode="json")

    def exists(self, ctx: Context, done: Done) -> bool:
        return Path(done.path).exists()

    def pending(self, ctx: Context, prev: Done | None) -> str | None:
        """Why the step would run although never finished, when it has something to say (train: resumes)."""
        return None

    def make(self, ctx: Context, prev: Done | None) -> tuple[Done, str]:
        """Run the stage; (its output, 'made' or another word for what happened)."""
        raise NotImplementedError


class VersionStep(Step):
    """A step whose output is a manifest version."""

    def exists(self, ctx: Context, done: Done) -> bool:
        return ctx.ws.manifests.find_by_id(done.id) is not None


def _version(m: Manifest, path: Path, made: str, **counts: Any) -> Done:
    s = m.summary()
    return Done(m.id, str(path), made, {"items": s["items"], "kept": s["kept"], **counts})


def _latest_raw(ws: Workspace, result: Any, made: str, **counts: Any) -> tuple[Done, str]:
    """The newest collected or imported version, after a collect or import that gave `result`."""
    path = ws.manifests.latest_path(RAW_STAGES)
    if path is None:
        raise CuratorError("no images yet: the source gave nothing to import")
    return _version(ws.manifests.load(path), path, made, **counts), "made" if result.manifest_path else "nothing new"


class Collect(VersionStep):
    name, section = "collect", "collect"
    always = True  # the sites may have new images: collect asks them every time (it fetches nothing twice)

    def input(self, ctx: Context, prev: Done | None) -> str:
        r = ctx.request
        return settings_key({"subject": r.subject, "queries": r.queries, "sources": r.sources, "limit": r.limit,
                             "limit_per_source": r.limit_per_source})

    def make(self, ctx: Context, prev: Done | None) -> tuple[Done, str]:
        from curator.collect.run import CollectRequest, collect

        r = ctx.request
        result = collect(ctx.ws, CollectRequest(r.subject or "", list(r.queries), dict(r.sources), r.limit,
                                                r.limit_per_source))
        return _latest_raw(ctx.ws, result, f"{result.new_items} new images", new=result.new_items)


class Import(VersionStep):
    name, section = "import", "import_"

    def input(self, ctx: Context, prev: Done | None) -> str:
        """The folder's listing (names, sizes, modification times): a new or changed file means a new import."""
        from curator.ingest.reader import iter_files

        folder = ctx.request.folder
        assert folder is not None
        listing = []
        for p in iter_files([folder]):
            st = p.stat()
            listing.append((str(p), st.st_size, st.st_mtime_ns))
        return f"{folder.resolve()}:{settings_key(listing, 16)}"

    def make(self, ctx: Context, prev: Done | None) -> tuple[Done, str]:
        from curator.ingest.run import import_paths

        assert ctx.request.folder is not None
        ctx.ws.init()
        result = import_paths(ctx.ws, [ctx.request.folder])
        return _latest_raw(ctx.ws, result, f"{result.files} files, {result.new_items} new")


class Process(VersionStep):
    name, section = "process", "process"

    def settings(self, ctx: Context) -> Any:
        return {"process": super().settings(ctx), "max_pixels": ctx.ws.config.import_.max_pixels}

    def make(self, ctx: Context, prev: Done | None) -> tuple[Done, str]:
        from curator.process.run import process_manifest

        assert prev is not None
        r = process_manifest(ctx.ws, prev.path)
        s = r.manifest.stats
        done = _version(r.manifest, r.manifest_path, f"{s['crops']} crops, {s['kept']} kept", crops=s["crops"])
        return done, "made" if r.new_version else "unchanged"


class Cluster(VersionStep):
    name, section = "cluster", "cluster"

    def make(self, ctx: Context, prev: Done | None) -> tuple[Done, str]:
        from curator.cluster.run import run_cluster

        assert prev is not None
        r = run_cluster(ctx.ws, prev.path, ctx.ws.config.cluster)
        done = _version(r.manifest, r.manifest_path, f"{r.stats['k']} clusters, {r.stats['outliers']} outliers flagged",
                        clusters=r.stats["k"], report=str(r.report_dir))
        return done, "made" if r.new_version else "unchanged"


def reviewed(ws: Workspace, base_id: str) -> Path | None:
    """The newest review version made on top of version `base_id`, if any."""
    for v in reversed(ws.manifests.versions(["review"])):
        if any(mid == base_id for _, _, mid in ws.manifests.log(v.path)):
            return v.path
    return None


class Review(VersionStep):
    """A person's decisions: the newest review version on top of the clustered one (or that one itself)."""

    name, section = "review", "review"

    def settings(self, ctx: Context) -> Any:
        return {"reviewed": ctx.run.review != "skip"}

    def current(self, ctx: Context, prev: Done) -> Done:
        if ctx.run.review == "skip":
            return Done(prev.id, prev.path, "skipped (--no-review): training on the clustered version", dict(prev.counts))
        path = reviewed(ctx.ws, prev.id)
        if path is None:
            return Done(prev.id, prev.path, "no review decisions: the clustered version as it is", dict(prev.counts))
        m = ctx.ws.manifests.load(path)
        counts = (m.stats or {}).get("review", {})
        what = ", ".join(f"{n} {k}" for k, n in counts.items() if n) or "no changes"
        return _version(m, path, f"reviewed: {what}")

    def make(self, ctx: Context, prev: Done | None) -> tuple[Done, str]:
        assert prev is not None
        if ctx.run.review == "now":
            from curator.review.session import review_in_app

            review_in_app(ctx.ws, ctx.ws.manifests.load(prev.path), say=ctx.say)
        return self.current(ctx, prev), "skipped" if ctx.run.review == "skip" else "made"


class Export(Step):
    name, section = "export", "export"

    def settings(self, ctx: Context) -> Any:
        return {"export": super().settings(ctx), "cond": ctx.run.cond}

    def make(self, ctx: Context, prev: Done | None) -> tuple[Done, str]:
        from curator.train.run import training_set

        assert prev is not None
        zip_path = training_set(ctx.ws, prev.path, ctx.ws.config.export, ctx.run.cond)
        with zipfile.ZipFile(zip_path) as zf:
            images = sum(n.lower().endswith(".png") for n in zf.namelist())
        return Done(zip_path.stem, str(zip_path), f"{images} training images", {"images": images}), "made"


def _snapshot_nimg(run_dir: Path) -> int | None:
    """Images shown at the run's last snapshot, when it has one."""
    snaps = sorted(run_dir.glob("network-snapshot-*.json"))
    return int(json.loads(snaps[-1].read_text()).get("cur_nimg", 0)) if snaps else None


def snapshot_metrics(run_dir: Path) -> list[dict[str, Any]]:
    """The run's metrics.jsonl records, one per snapshot."""
    path = run_dir / "metrics.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


class Train(Step):
    """The run folder is named by the training set and the settings that shape the model, so the same inputs
    find the same run: finished, it is reused; interrupted, or asked for more kimg, it resumes from its last
    snapshot. Settings a resumed run may change (`curator.train.run.RESUMABLE`: length, snapshot interval,
    metrics, device) do not name the folder."""

    name, section = "train", "train"

    def settings(self, ctx: Context) -> Any:
        return {"train": ctx.ws.config.train.model_dump(mode="json", exclude={"workers"}), "options": ctx.run.train,
                "metrics": ctx.run.snapshot_metrics, "metrics_num": ctx.run.snapshot_metrics_num, "cond": ctx.run.cond}

    def run_dir(self, ctx: Context, prev: Done) -> Path:
        from curator.train.run import RESUMABLE

        shape = {"data": prev.id, "cond": ctx.run.cond,
                 "train": ctx.ws.config.train.model_dump(mode="json", exclude={"workers", *RESUMABLE}),
                 "options": {k: v for k, v in ctx.run.train.items() if k not in RESUMABLE}}
        return ctx.ws.runs_dir / f"{prev.id[:12]}-{settings_key(shape, 8)}"

    def _length(self, ctx: Context, run_dir: Path) -> float | None:
        """kimg asked for: [run.train] kimg, else what the run was started with (its preset's)."""
        if "kimg" in ctx.run.train:
            return float(ctx.run.train["kimg"])
        config = run_dir / "config.json"
        return float(json.loads(config.read_text())["kimg"]) if config.is_file() else None

    def _finished(self, ctx: Context, run_dir: Path) -> int | None:
        nimg, kimg = _snapshot_nimg(run_dir), self._length(ctx, run_dir)
        return nimg if nimg is not None and kimg is not None and nimg >= kimg * 1000 else None

    def _resumable(self, run_dir: Path) -> int | None:
        from trainers.stylegan2.checkpoint import RESUME_NAME

        if not (run_dir / RESUME_NAME).is_file() or not (run_dir / "config.json").is_file():
            return None
        return _snapshot_nimg(run_dir)

    def exists(self, ctx: Context, done: Done) -> bool:
        return self._finished(ctx, Path(done.path)) is not None

    def pending(self, ctx: Context, prev: Done | None) -> str | None:
        assert prev is not None
        run_dir = self.run_dir(ctx, prev)
        if self._finished(ctx, run_dir) is not None:
            return None
        at = self._resumable(run_dir)
        return None if at is None else f"resumes its run from the snapshot at {at / 1000:g} kimg"

    def make(self, ctx: Context, prev: Done | None) -> tuple[Done, str]:
        from curator.train import run as stage

        assert prev is not None
        run_dir = self.run_dir(ctx, prev)
        word = "reused"
        if self._finished(ctx, run_dir) is None:
            options = dict(ctx.run.train)
            model = options.pop("model", None)  # which trainer: `curator train --model`
            given = {**options, "metrics": ctx.run.snapshot_metrics or None,
                     "metrics_num_gen": ctx.run.snapshot_metrics_num}
            at = self._resumable(run_dir)
            if at is not None:
                opts, _ = stage.prepare(ctx.ws, None, given, ctx.run.cond, resume=run_dir, model=model)
                word = f"resumed from {at / 1000:g} kimg"
            else:
                if run_dir.exists():  # stopped before its first snapshot: nothing in it to keep
                    shutil.rmtree(run_dir)
                opts, _ = stage.prepare(ctx.ws, prev.path, given, ctx.run.cond, out=run_dir, export=ctx.ws.config.export,
                                        model=model)
                word = "made"
            stage.start(ctx.ws, opts, run_dir)
        nimg = self._finished(ctx, run_dir) or 0
        metrics = snapshot_metrics(run_dir)
        counts: dict[str, Any] = {"kimg": nimg / 1000, "snapshots": len(metrics)}
        made = f"{nimg / 1000:g} kimg"
        for name in ctx.run.snapshot_metrics:
            values = [m[name] for m in metrics if name in m]
            if values:
                counts[f"{name}_first"], counts[f"{name}_last"] = values[0], values[-1]
                made += f", {name} {values[0]:.4g} -> {values[-1]:.4g}"
        return Done(f"{run_dir.name}@{nimg}", str(run_dir), made, counts), word


class Eval(Step):
    name, section, reads = "eval", "eval", "train"

    def make(self, ctx: Context, prev: Done | None) -> tuple[Done, str]:
        from curator.evaluate.run import run_eval

        assert prev is not None
        r = run_eval(ctx.ws, Path(prev.path), None, ctx.ws.config.eval)
        results = r.record["results"]
        made = ", ".join(f"{k} {v:.4g}" for k, v in results.items() if k in ctx.ws.config.eval.metrics) or "no metrics"
        return Done(f"{prev.id}:{settings_key(results, 12)}", str(r.path), made, {"metrics": results}), "made"


class Generate(Step):
    name, section, reads = "generate", "generate", "train"

    def make(self, ctx: Context, prev: Done | None) -> tuple[Done, str]:
        from curator.generate.run import run_generate

        assert prev is not None
        run_dir = Path(prev.path)
        out = run_dir / "samples"
        opts = ctx.ws.config.generate.override(grid=True)
        _, paths = run_generate(run_dir, opts, out, ctx.ws.config.train.device)
        grid_path = out / "grid.png"
        reals = write_reals(run_dir, out / "reals.png", len(opts.seeds))
        counts = {"images": len(opts.seeds), "reals": reals is not None}
        return Done(f"{prev.id}:{settings_key(opts.model_dump(), 12)}", str(grid_path),
                    f"{len(opts.seeds)} images and grid.png", counts), "made"


def write_reals(run_dir: Path, out: Path, count: int) -> Path | None:
    """A grid of `count` training images spread over the set, to set beside the generated grid."""
    from PIL import Image

    from curator.generate.layouts import grid, save_png

    config = json.loads((run_dir / "config.json").read_text())
    data = Path(config.get("data", ""))
    if data.suffix.lower() != ".zip" or not data.is_file():
        return None
    with zipfile.ZipFile(data) as zf:
        names = sorted(n for n in zf.namelist() if n.lower().endswith(".png"))
        names = [names[i * len(names) // count] for i in range(min(count, len(names)))]  # spread over the whole set
        images = [Image.open(io.BytesIO(zf.read(n))).convert("RGB") for n in names]
    return save_png(grid(images), out) if images else None


STEP_TYPES: dict[str, type[Step]] = {s.name: s for s in (Collect, Import, Process, Cluster, Review, Export, Train, Eval,
                                                         Generate)}
