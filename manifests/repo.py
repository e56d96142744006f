"""The manifests folder of a workspace: numbered versions, references and history."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from commons.atomic import write_text
from manifests.errors import ManifestError
from manifests import io
from manifests.model import Item, Manifest

_NAME = re.compile(r"^(\d{4,})-([a-z0-9_-]+)-([0-9a-f]{12})\.json$")


class Version(NamedTuple):
    """A version file: its sequence number, stage and the first 12 characters of its id."""

    seq: int
    stage: str
    short_id: str
    path: Path


class Commit(NamedTuple):
    """What `ManifestRepo.commit` did: the version's file, whether it was written now, and the version."""

    path: Path
    is_new: bool
    manifest: Manifest


class ManifestRepo:
    """Versions live as ``NNNN-stage-<id12>.json``; the highest number is the latest.

    `software` supplies the tool versions recorded in each committed version (the host knows them).
    """

    def __init__(self, root: str | Path, software: Callable[[], dict[str, str]] | None = None) -> None:
        self.root = Path(root)
        self.software = software or dict

    def versions(self, stages: Iterable[str] | None = None) -> list[Version]:
        """Every version (of `stages`, when given), oldest first."""
        if not self.root.is_dir():
            return []
        wanted = None if stages is None else set(stages)
        found = []
        for p in self.root.iterdir():
            m = _NAME.match(p.name)
            if m and (wanted is None or m.group(2) in wanted):
                found.append(Version(int(m.group(1)), m.group(2), m.group(3), p))
        return sorted(found)

    def paths(self, stages: Iterable[str] | None = None) -> list[Path]:
        return [v.path for v in self.versions(stages)]

    def latest_path(self, stages: Iterable[str] | None = None) -> Path | None:
        versions = self.versions(stages)
        return versions[-1].path if versions else None

    def latest(self, stages: Iterable[str] | None = None) -> Manifest | None:
        """The newest version (made by one of `stages`, when given), or None."""
        path = self.latest_path(stages)
        return io.load(path) if path else None

    def write(self, manifest: Manifest) -> Path:
        """Save exactly this version; one identical to an existing file (same content id) returns that file."""
        manifest.id, text = io.serialise(manifest)
        versions = self.versions()
        for v in versions:
            if v.short_id == manifest.id[:12]:
                return v.path
        seq = versions[-1].seq + 1 if versions else 1
        path = self.root / f"{seq:04d}-{manifest.stage}-{manifest.id[:12]}.json"
        write_text(path, text)
        return path

    def commit(self, parent: Manifest | None, stage: str, params: dict[str, Any], items: list[Item],
               stats: dict[str, Any] | None = None) -> Commit:
        """Record what a stage made from `parent`, unless that version exists already.

        A version is the same as another when it has the same parent, stage, parameters and items;
        its creation time and software versions do not count. A version whose items equal its
        parent's says nothing new, so nothing is written either: re-running a stage on its own
        output, or an import that found no new file. `stats` join the item counts of `summary()`.
        """
        manifest = Manifest(parent=parent.id if parent else None, created=io.now_iso(), stage=stage, params=params,
                            software=self.software(), items=items)
        manifest.stats = {**manifest.summary(), **(stats or {})}
        data = io.to_data(manifest)
        if parent is not None and parent.id and _items(io.to_data(parent)) == _items(data):
            parent_path = self.find_by_id(parent.id)
            if parent_path is not None:
                return Commit(parent_path, False, parent)
        same = _identity(data)
        for v in reversed(self.versions([stage])):
            with open(v.path, encoding="utf-8") as fh:
                if _identity(json.load(fh)) == same:
                    return Commit(v.path, False, io.load(v.path))
        return Commit(self.write(manifest), True, manifest)

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
        by_stage = self.latest_path([ref])
        if by_stage:
            return by_stage
        if re.fullmatch(r"[0-9a-f]{4,64}", ref):
            hits = [v.path for v in self.versions() if v.short_id.startswith(ref[:12])]
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
        for v in self.versions():
            if manifest_id.startswith(v.short_id) and self._id_of(v.path) == manifest_id:
                return v.path
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


def _items(data: dict[str, Any]) -> list[Any]:
    return data.get("items") or []


def _identity(data: dict[str, Any]) -> str:
    # What makes two versions the same: not `created`, `software`, `stats` or `id`.
    return io.canonical_json([data.get("parent"), data.get("stage"), data.get("params") or {}, _items(data)])
