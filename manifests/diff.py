"""What changed between two manifest versions, item by item."""

from __future__ import annotations

from dataclasses import dataclass, field

from manifests.model import Item, Manifest


@dataclass
class Change:
    id: str
    before: str  # status or label before
    after: str
    reasons: list[str] = field(default_factory=list)


@dataclass
class ManifestDiff:
    added: list[Item] = field(default_factory=list)
    removed: list[Item] = field(default_factory=list)
    status_changed: list[Change] = field(default_factory=list)
    label_changed: list[Change] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.status_changed or self.label_changed)

    def to_dict(self) -> dict:
        return {
            "added": [it.id for it in self.added],
            "removed": [it.id for it in self.removed],
            "status_changed": [c.__dict__ for c in self.status_changed],
            "label_changed": [c.__dict__ for c in self.label_changed],
        }


def _reason_text(item: Item) -> list[str]:
    return [f"{r.stage}:{r.code}" + (f" ({r.detail})" if r.detail else "") for r in item.reasons]


def diff(a: Manifest, b: Manifest) -> ManifestDiff:
    """Items only in `b` are added, only in `a` removed; shared ids compare status and label."""
    old, new = a.by_id(), b.by_id()
    out = ManifestDiff(
        added=[it for oid, it in new.items() if oid not in old],
        removed=[it for oid, it in old.items() if oid not in new],
    )
    for oid, after in new.items():
        before = old.get(oid)
        if before is None:
            continue
        if before.status != after.status:
            out.status_changed.append(Change(oid, before.status, after.status, _reason_text(after)))
        if before.label != after.label:
            out.label_changed.append(Change(oid, str(before.label), str(after.label), _reason_text(after)))
    return out
