"""What changed between two manifest versions, item by item."""

from __future__ import annotations

from dataclasses import dataclass, field

from manifests.model import Item, Manifest


@dataclass
class Change:
    id: str  # the item in the newer version (a crop, when its source was cropped)
    before: str  # status or label before
    after: str
    reasons: list[str] = field(default_factory=list)


@dataclass
class ManifestDiff:
    added: list[Item] = field(default_factory=list)
    removed: list[Item] = field(default_factory=list)
    status_changed: list[Change] = field(default_factory=list)
    label_changed: list[Change] = field(default_factory=list)
    # source id -> ids of the items cut from it that replace it (e.g. `curator process` crops);
    # such sources are not in `removed`, nor their crops in `added`.
    cropped: dict[str, list[str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.status_changed or self.label_changed or self.cropped)

    def to_dict(self) -> dict:
        return {
            "added": [it.id for it in self.added],
            "removed": [it.id for it in self.removed],
            "status_changed": [c.__dict__ for c in self.status_changed],
            "label_changed": [c.__dict__ for c in self.label_changed],
            "cropped": self.cropped,
        }



def _reason_text(item: Item) -> list[str]:
    return [f"{r.stage}:{r.code}" + (f" ({r.detail})" if r.detail else "") for r in item.reasons]


def diff(a: Manifest, b: Manifest) -> ManifestDiff:
    """Items only in `b` are added, only in `a` removed, unless `b` derives them from an `a` item it
    replaces (then that source is 'cropped'); shared ids compare status and label."""
    old, new = a.by_id(), b.by_id()
    cropped: dict[str, list[str]] = {}
    for oid, it in new.items():
        if oid not in old and it.derived_from in old and it.derived_from not in new:
            cropped.setdefault(it.derived_from, []).append(oid)
    derived = {oid for ids in cropped.values() for oid in ids}
    out = ManifestDiff(
        added=[it for oid, it in new.items() if oid not in old and oid not in derived],
        removed=[it for oid, it in old.items() if oid not in new and oid not in cropped],
        cropped=cropped,
    )
    for oid, after in new.items():
        # A crop continues its source: a kept source whose crop is rejected is a changed decision.
        before = old.get(oid) or (old.get(after.derived_from) if oid in derived else None)
        if before is None:
            continue
        if before.status != after.status:
            out.status_changed.append(Change(oid, before.status, after.status, _reason_text(after)))
        if before.label != after.label:
            out.label_changed.append(Change(oid, str(before.label), str(after.label), _reason_text(after)))
    return out
