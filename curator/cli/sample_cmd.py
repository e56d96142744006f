"""`curator sample OUT`: generate the project's own sample corpus of cartoon mascots."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer

from curator.cli.common import console


def sample(
    out: Path = typer.Argument(..., help="Folder to create (replaced if it exists)."),
    per_family: int = typer.Option(24, help="Characters per family (5 families)."),
    size: int = typer.Option(256, help="Image size in pixels."),
    seed: int = typer.Option(0, help="Random seed; the same seed gives the same files."),
    junk: bool = typer.Option(True, help="Mix in broken and low-quality files."),
) -> None:
    """Generate mascots in five families, with exact and near duplicates and junk; labels in OUT/.labels.json."""
    from curator.sample import CorpusSpec, generate_corpus

    if per_family < 1 or size < 32:
        from curator.errors import CuratorError

        raise CuratorError("--per-family must be at least 1 and --size at least 32")
    labels = generate_corpus(out, CorpusSpec(per_family=per_family, size=size, seed=seed, junk=junk))
    kinds = Counter(lab["kind"] for lab in labels.values())
    console.print(f"wrote {len(labels)} files to {out}: " + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())))
