"""Reviewer tags -> decisions -> changed items. No FiftyOne here: tags arrive as plain lists.

Tags the reviewer sets on samples in the App:
  ``reject``        reject the item (reason code 'review');
  ``accept``        confirm it; a rejected item is restored to kept, its earlier reasons stay as the record;
  ``label:<name>``  move it to class <name> (also accepts it).
Other tags are the reviewer's own and are ignored. ``reject`` with ``accept`` or a label, or two
labels, on one sample is a conflict the reviewer must resolve.
"""

from __future__ import annotations

from dataclasses import dataclass

from curator.errors import CuratorError
from manifests.model import Item, Manifest, Reason, Review

REJECT = "reject"
ACCEPT = "accept"
LABEL_PREFIX = "label:"
REVIEW_REASON = Reason(code="review", stage="review", detail="rejected by the reviewer")


@dataclass(frozen=True)
class Decision:
    decision: str  # 'accept' | 'reject' | 'relabel'
    label: str | None = None


class TagConflict(ValueError):
    pass


def decision_from_tags(tags: list[str]) -> Decision | None:
    """The decision a sample's tags express, None when they express none."""
    labels = sorted({t[len(LABEL_PREFIX):].strip() for t in tags if t.startswith(LABEL_PREFIX)} - {""})
    reject, accept = REJECT in tags, ACCEPT in tags
    if len(labels) > 1:
        raise TagConflict(f"two labels ({', '.join(labels)})")
    if reject and (accept or labels):
        raise TagConflict(f"'{REJECT}' together with '{ACCEPT if accept else LABEL_PREFIX + labels[0]}'")
    if reject:
        return Decision("reject")
    if labels:
        return Decision("relabel", labels[0])
    return Decision("accept") if accept else None


def decisions_from_tags(tags_by_item: dict[str, list[str]]) -> dict[str, Decision]:
    """Every item's decision; all conflicts reported together so one pass in the App fixes them."""
    out: dict[str, Decision] = {}
    conflicts: list[str] = []
    for item_id, tags in tags_by_item.items():
        try:
            decision = decision_from_tags(tags)
        except TagConflict as exc:
            conflicts.append(f"{item_id[:12]}: {exc}")
            continue
        if decision is not None:
            out[item_id] = decision
    if conflicts:
        shown = "; ".join(conflicts[:5]) + (f"; and {len(conflicts) - 5} more" if len(conflicts) > 5 else "")
        raise CuratorError(f"conflicting review tags on {len(conflicts)} sample(s), fix them in the App and sync again: {shown}")
    return out


def _apply(item: Item, decision: Decision, review: Review) -> None:
    item.review = review
    if decision.decision == "reject":
        item.reject(REVIEW_REASON)
        return
    item.status = "kept"
    if decision.label is not None:
        item.label = decision.label


def apply_decisions(base: Manifest, decisions: dict[str, Decision], previous: Manifest | None,
                    reviewer: str | None, now: str) -> list[Item]:
    """`base`'s items (copies) with `decisions` applied.

    A decision already recorded identically in `previous` keeps its Review (and time), so syncing
    the same tags again yields the same items and no new version.
    """
    before = previous.by_id() if previous else {}
    items = []
    for item in base.items:
        item = item.model_copy(deep=True)
        decision = decisions.get(item.id)
        if decision is not None:
            old = before.get(item.id)
            old_review = old.review if old else None
            same = old_review is not None and (old_review.decision, old_review.label) == (decision.decision, decision.label)
            review = old_review if same else Review(decision=decision.decision, label=decision.label, reviewer=reviewer, time=now)
            _apply(item, decision, review.model_copy())
        items.append(item)
    return items


def review_counts(items: list[Item]) -> dict[str, int]:
    counts = {"accept": 0, "reject": 0, "relabel": 0}
    for it in items:
        if it.review is not None:
            counts[it.review.decision] += 1
    return counts
