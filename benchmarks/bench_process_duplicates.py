"""Duplicate precision and recall of the real `curator process` stage on labelled sample corpora.

For each seed and size a sample corpus is generated (`curator.sample`, labels in `.labels.json`),
imported into a fresh workspace and processed at the default `[process]` settings; then the
stage is re-run (from its cache: only the duplicate decisions change) for every threshold in
the sweep. Scoring, against the labels:

- every item rejected as `duplicate` / `near_duplicate` is a true positive when one of its
  files and one of its keeper's files are copies of the same original (or one is the other's
  original); exact byte copies collapse at import, so an item may list several files;
- recall per transform: of the labelled copies whose item and whose original's item both
  reached the duplicate search (not rejected for another reason), the share that ended up in
  the original's group (same item, or the same `duplicate_group`).

    .venv/bin/python benchmarks/bench_process_duplicates.py [--seeds 0,1,2,3] [--sizes 256,128]
        [--per-family 40] [--distances 2,3,4,5,6,8]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from curator.process.config import ProcessConfig
from curator.workspace import Workspace
from manifests import Item, Manifest

ANIMEFACE = Path(__file__).resolve().parents[1] / ".." / "shared" / "weights" / "lbpcascade_animeface.xml"
DUPLICATE_CODES = {"duplicate", "near_duplicate"}


@dataclass
class Score:
    rejected: int = 0
    wrong: list[str] = field(default_factory=list)  # "copy -> keeper" file names of false positives
    found: Counter = field(default_factory=Counter)  # transform -> copies grouped with their original
    eligible: Counter = field(default_factory=Counter)  # transform -> copies that reached the search

    def add(self, other: Score) -> None:
        self.rejected += other.rejected
        self.wrong += other.wrong
        self.found.update(other.found)
        self.eligible.update(other.eligible)

    @property
    def precision(self) -> float:
        return (self.rejected - len(self.wrong)) / self.rejected if self.rejected else 1.0


def _files_by_item(manifest: Manifest, corpus: Path) -> tuple[dict[str, Item], dict[str, list[str]]]:
    """Corpus file -> the item standing for it (its crop, or itself when rejected); item id -> its files."""
    by_file, files = {}, defaultdict(list)
    for item in manifest.items:
        for src in item.sources:
            name = str(Path(src.path).resolve().relative_to(corpus.resolve()))
            by_file[name] = item
            files[item.id].append(name)
    return by_file, files


def _is_duplicate(item: Item) -> bool:
    return item.status == "rejected" and any(r.code in DUPLICATE_CODES for r in item.reasons)


def _reached_search(item: Item) -> bool:
    """Not rejected for anything but being a duplicate."""
    return item.status == "kept" or _is_duplicate(item) and all(r.code in DUPLICATE_CODES for r in item.reasons)


def score(manifest: Manifest, corpus: Path, labels: dict[str, dict]) -> Score:
    by_file, files = _files_by_item(manifest, corpus)
    items = manifest.by_id()

    def origins(item_id: str) -> set[str]:
        return {labels[name].get("duplicate_of", name) for name in files[item_id] if name in labels}

    out = Score()
    for item in manifest.items:
        if not _is_duplicate(item) or not item.duplicate_of:
            continue
        out.rejected += 1
        keeper = items[item.duplicate_of]
        if not origins(item.id) & origins(keeper.id):
            out.wrong.append(f"{files[item.id][0]} -> {files[keeper.id][0]} ({item.reasons[-1].detail})")
    for name, label in labels.items():
        if label["kind"] != "near_duplicate":
            continue
        copy, original = by_file.get(name), by_file.get(label["duplicate_of"])
        if copy is None or original is None or not (_reached_search(copy) and _reached_search(original)):
            continue
        transform = label["transform"]
        out.eligible[transform] += 1
        out.found[transform] += copy.id == original.id or (
            copy.duplicate_group is not None and copy.duplicate_group == original.duplicate_group)
    return out


def _workspace(root: Path, corpus: Path, seed: int, size: int, per_family: int) -> tuple[Workspace, dict[str, dict]]:
    from curator.ingest.run import import_paths
    from curator.sample import CorpusSpec, generate_corpus

    labels = generate_corpus(corpus, CorpusSpec(per_family=per_family, size=size, seed=seed))
    ws = Workspace(root)
    ws.init()
    import_paths(ws, [corpus])
    return ws, labels


def _configure(root: Path, **process: object) -> None:
    lines = ["[process]", f'animeface_path = "{ANIMEFACE.resolve()}"']
    lines += [f"{key} = {value}" for key, value in process.items()]
    (root / "curator.toml").write_text("\n".join(lines) + "\n")


def _run(root: Path) -> Manifest:
    from curator.process.run import process_manifest

    return process_manifest(Workspace(root)).manifest


def _row(label: str, s: Score, transforms: list[str]) -> str:
    recall = "  ".join(f"{t} {s.found[t]}/{s.eligible[t]}" for t in transforms)
    return f"{label:<16} rejected {s.rejected:3d}  wrong {len(s.wrong):3d}  precision {s.precision:.3f}  recall: {recall}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2,3")
    parser.add_argument("--sizes", default="256,128")
    parser.add_argument("--per-family", type=int, default=40)
    parser.add_argument("--distances", default="2,3,4,5,6,8", help="near_duplicate_distance values to sweep")
    parser.add_argument("--show-wrong", type=int, default=5, help="false positives to print per setting")
    args = parser.parse_args()
    default = ProcessConfig().near_duplicate_distance
    distances = sorted({default, *(int(d) for d in args.distances.split(","))})
    totals: dict[tuple[int, int], Score] = defaultdict(Score)
    tmp = Path(tempfile.mkdtemp(prefix="bench-dup-"))
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            for seed in (int(s) for s in args.seeds.split(",")):
                corpus, root = tmp / f"corpus-{size}-{seed}", tmp / f"ws-{size}-{seed}"
                start = time.perf_counter()
                _, labels = _workspace(root, corpus, seed, size, args.per_family)
                _configure(root)
                _run(root)  # the first run computes; the sweep below re-judges from the cache
                took = time.perf_counter() - start
                for distance in distances:
                    _configure(root, near_duplicate_distance=distance)
                    s = score(_run(root), corpus, labels)
                    totals[size, distance].add(s)
                    mark = " (default)" if distance == default else ""
                    print(_row(f"{size}px seed {seed} d={distance}", s, ["resize", "recompress", "brightness", "crop"]) + mark)
                print(f"  (import + first process run {took:.1f} s)")
        print("\nTotals over seeds:")
        transforms = ["resize", "recompress", "brightness", "crop", "palette", "cmyk", "exif_rotated", "gray16"]
        for (size, distance), s in sorted(totals.items()):
            print(_row(f"{size}px d={distance}", s, transforms) + (" (default)" if distance == default else ""))
            for line in s.wrong[: args.show_wrong]:
                print(f"    wrong: {line}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
