"""Turn worker results into manifest items: crops replace their source, failures reject it."""

from __future__ import annotations

from curator.process.quality import CROP_FILTERS, STAGE, judge
from curator.process.worker import CropRecord, SourceResult
from detectors.base import Box
from detectors.framing import head_box
from manifests import Candidate, Crop, Detection, Item, Reason


def crop_item(source: Item, result: SourceResult, crop: CropRecord, resolution: int, object_path: str,
              thresholds: dict[str, float]) -> Item:
    """A new item for one crop, linked to its source and carrying its provenance."""
    item = Item(
        id=crop.id, object=object_path, bytes=crop.bytes, width=resolution, height=resolution,
        format="PNG", mode="RGB",
        # The source's hashes too ('source_phash', ...): duplicates are judged on them, so the manifest shows why.
        hashes={**crop.hashes, **{f"source_{name}": value for name, value in result.hashes.items()}},
        # Provenance (artist, licence, URL) travels with the crop so later stages need not walk back.
        sources=[s.model_copy(deep=True) for s in source.sources],
        derived_from=source.id, scores=dict(crop.scores), label=source.label,
        detection=Detection(
            detector=crop.detector or result.detector, kind=crop.kind, box=tuple(crop.box), score=crop.score,
            landmarks=[tuple(p) for p in crop.landmarks] if crop.landmarks else None,
            probability=crop.probability, why=(result.detection or {}).get("why") or None,
            candidates=candidates(result, crop), head=implied_head(crop, crop.detector or result.detector),
        ),
        crop=Crop(box=tuple(crop.region), angle=crop.angle, pad=crop.pad, fill=tuple(crop.fill) if crop.fill else None),
    )
    for reason in judge(item.scores, CROP_FILTERS, thresholds):
        item.reject(reason)
    return item


def implied_head(crop: CropRecord, detector: str) -> tuple[float, float, float, float] | None:
    head = head_box(Box(*crop.box, crop.score, crop.kind), detector)
    return None if head is None else (round(head.x0, 2), round(head.y0, 2), round(head.x1, 2), round(head.y1, 2))


def candidates(result: SourceResult, crop: CropRecord) -> list[Candidate]:
    """Every box every detector returned for the source, as the manifest records them; `chosen` marks the crop's."""
    out = []
    for c in (result.detection or {}).get("candidates", []):
        b = c["box"]
        box = tuple(round(b[k], 2) for k in ("x0", "y0", "x1", "y1"))
        out.append(Candidate(detector=c["detector"], kind=b["kind"], score=round(b["score"], 4), box=box,
                             probability=c.get("probability"),
                             chosen=c["detector"] == crop.detector and b["kind"] == crop.kind and list(box) == crop.box))
    return out


def failed_source(source: Item, code: str, detail: str) -> Item:
    item = source.model_copy(deep=True)
    item.reject(Reason(code=code, stage=STAGE, detail=detail))
    return item


def rejected_source(source: Item, scores: dict[str, float], reasons: list[Reason]) -> Item:
    item = source.model_copy(deep=True)
    item.scores.update(scores)
    for reason in reasons:
        item.reject(reason)
    return item

