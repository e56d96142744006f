"""The manifests folder of a workspace: numbered versions, references and history."""

from __future__ import annotations

import json
import re
from pathlib import Path

from commons.atomic import write_text
from manifests.errors import ManifestError
from manifests import io
from manifests.model import Manifest

_NAME = re.compile(r"^(\d{4,})-([a-z0-9_-]+)-([0-9a-f]{12})\.json$")


class ManifestRepo:
    """Versions live as ``NNNN-stage-<id12>.json``; the highest number is the latest."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def paths(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted((p for p in self.root.iterdir() if _NAME.match(p.name)), key=lambda p: int(p.name.split("-")[0]))

    def latest_path(self) -> Path | None:
        paths = self.paths()
        return paths[-1] if paths else None

    def write(self, manifest: Manifest) -> Path:
        """Save a new version; writing a version identical to an existing one returns that file."""
        manifest.id, text = io.serialise(manifest)
        for p in self.paths():
            if p.name.endswith(f"-{manifest.id[:12]}.json"):
                return p
        latest = self.latest_path()
        seq = int(latest.name.split("-")[0]) + 1 if latest else 1
        path = self.root / f"{seq:04d}-{manifest.stage}-{manifest.id[:12]}.json"
        write_text(path, text)
        return path

    def resolve(self, ref: str | Path | None) -> Path:
        """A file path, 'latest', a stage name (its latest version), or a unique id prefix."""
        ref = "latest" if ref is None else str(ref)
        as_path = Path(ref)
        if as_path.suffix == ".json" or as_path.is_file():
            if not as_path.is_file():
                raise ManifestError(f"{ref}: no such manifest")
            return as_path
        paths = self.paths()
        if not paths:
            raise ManifestError(f"no manifests in {self.root} yet: run 'curator import' or 'curator collect' first")
        if ref == "latest":
            return paths[-1]
        by_stage = [p for p in paths if _NAME.match(p.name).group(2) == ref]
        if by_stage:
            return by_stage[-1]
        if re.fullmatch(r"[0-9a-f]{4,64}", ref):
            hits = [p for p in paths if _NAME.match(p.name).group(3).startswith(ref[:12])]
            if len(ref) > 12:
                hits = [p for p in hits if self._id_of(p).startswith(ref)]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                raise ManifestError(f"{ref}: ambiguous manifest id prefix ({len(hits)} matches)")
        raise ManifestError(f"{ref}: no manifest with that path, stage or id in {self.root}")

    def load(self, ref: str | Path | None) -> Manifest:
        return io.load(self.resolve(ref))

    def find_by_id(self, manifest_id: str) -> Path | None:
        for p in self.paths():
            if manifest_id.startswith(_NAME.match(p.name).group(3)) and self._id_of(p) == manifest_id:
                return p
        return None

    def log(self, ref: str | Path | None) -> list[tuple[Path | None, Manifest | None, str | None]]:
        """The chain from `ref` back to its root: (path, manifest, id). A missing parent ends it."""
        chain: list[tuple[Path | None, Manifest | None, str | None]] = []
        path: Path | None = self.resolve(ref)
        seen: set[str] = set()
        while path is not None:
            m = io.load(path)
            chain.append((path, m, m.id))
            if not m.parent or m.parent in seen:
                break
            seen.add(m.parent)
            path = self.find_by_id(m.parent)
            if path is None:
                chain.append((None, None, m.parent))
        return chain

    @staticmethod
    def _id_of(path: Path) -> str:
        # The full id lives inside the file; the name holds only 12 characters of it.
        with open(path, encoding="utf-8") as fh:
            return json.load(fh).get("id", "")
