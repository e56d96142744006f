"""What a reviewer sees of one manifest item: flat sample fields, free of FiftyOne imports.

Every field exists on every sample (None where a stage has not run yet), so an import manifest
and a fully processed one build the same schema and the App's filters stay put between versions.
"""

from __future__ import annotations

import re
from typing import Any

from manifests.model import Item, Reason

# Field name -> FiftyOne field kind; `scores` become one float field each, prefixed "score_".
FIELDS: dict[str, str] = {
    "item_id": "string",
    "status": "string",
    "reasons": "strings",
    "reason_details": "strings",
    "flags": "strings",
    "review_decision": "string",
    "label": "string",
    "cluster": "int",
    "duplicate_group": "string",
    "duplicate_of": "string",
    "is_representative": "bool",
    "detector": "string",
    "detection_kind": "string",
    "detection_score": "float",
    "site": "string",
    "artist": "string",
    "licence": "string",
    "url": "string",
    "page": "string",
    "source_path": "string",
    "source_image": "string",
}
SCORE_PREFIX = "score_"


def score_field(name: str) -> str:
    """'zeroshot:a photo' -> 'score_zeroshot_a_photo' (FiftyOne field names are identifiers)."""
    return SCORE_PREFIX + re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()


def _reason_text(r: Reason) -> str:
    text = f"{r.stage}:{r.code}"
    if r.detail:
        text += f" {r.detail}"
    if r.score is not None:
        text += f" (score {r.score:g}" + (f", threshold {r.threshold:g})" if r.threshold is not None else ")")
    return text


def _first(values: list[Any]) -> Any:
    return next((v for v in values if v), None)


def sample_fields(item: Item, source_image: str | None) -> dict[str, Any]:
    """The fields of `item`'s sample; `source_image` is the file the item was cut from, if any."""
    src = item.sources
    det = item.detection
    fields: dict[str, Any] = {
        "item_id": item.id,
        "status": item.status,
        "reasons": [r.code for r in item.reasons],
        "reason_details": [_reason_text(r) for r in item.reasons],
        "flags": [r.code for r in item.flags],
        "review_decision": item.review.decision if item.review else None,
        "label": item.label,
        "cluster": item.cluster,
        "duplicate_group": item.duplicate_group,
        "duplicate_of": item.duplicate_of,
        "is_representative": item.duplicate_of is None if item.duplicate_group else None,
        "detector": det.detector if det else None,
        "detection_kind": det.kind if det else None,
        "detection_score": det.score if det else None,
        "site": _first([s.site for s in src]),
        "artist": _first([s.artist for s in src]),
        "licence": _first([s.licence for s in src]),
        "url": _first([s.url for s in src]),
        "page": _first([s.page for s in src]),
        "source_path": _first([s.path for s in src]),
        "source_image": source_image,
    }
    for name, value in item.scores.items():
        fields[score_field(name)] = float(value)
    return fields
