"""Quality filters: each is a score recorded on the item and a threshold from `[process]`.

Scores are computed whatever the thresholds are, so changing a threshold only re-judges
cached scores. Source filters use the import metadata (no decode); crop filters read the
scores `curator.process.scores` measures on the finished crop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from manifests import Item, Reason

STAGE = "process"


@dataclass(frozen=True)
class Filter:
    code: str  # the Reason code when it rejects
    score: str  # key in Item.scores
    threshold: str  # ProcessConfig field holding the threshold
    bound: Literal["min", "max"]  # 'min': scores below the threshold fail; 'max': above
    detail: str

    def judge(self, scores: dict[str, float], thresholds: dict[str, float]) -> Reason | None:
        value, limit = scores.get(self.score), thresholds[self.threshold]
        if value is None:
            return None
        failed = value < limit if self.bound == "min" else value > limit
        if not failed:
            return None
        return Reason(code=self.code, stage=STAGE, detail=self.detail, score=round(value, 4), threshold=limit)


SOURCE_FILTERS = (
    Filter("too_few_bytes", "bytes", "min_source_bytes", "min", "source file smaller than min_source_bytes"),
    Filter("too_small", "min_side", "min_side", "min", "shorter side below min_side pixels"),
    Filter("aspect_ratio", "aspect", "max_aspect", "max", "long side / short side above max_aspect"),
)

CROP_FILTERS = (
    Filter("face_too_small", "face_size", "min_face", "min", "detected box narrower than min_face source pixels"),
    Filter("blur", "sharpness", "min_sharpness", "min", "too little edge energy (blurred or upscaled)"),
    Filter("low_information", "entropy", "min_entropy", "min", "too few grey levels (flat or near-empty)"),
    Filter("grayscale", "colourfulness", "min_colourfulness", "min", "no colour (grayscale, sketch or text)"),
    Filter("dominant_colour", "dominant", "max_dominant", "max", "one colour covers most of the crop"),
    Filter("too_dark", "brightness", "min_brightness", "min", "mean brightness below min_brightness"),
    Filter("too_light", "brightness", "max_brightness", "max", "mean brightness above max_brightness"),
)


def source_scores(item: Item) -> dict[str, float]:
    """Scores known from the import record alone: file size, shorter side, aspect ratio."""
    scores = {"bytes": float(item.bytes)}
    if item.width and item.height:
        scores["min_side"] = float(min(item.width, item.height))
        scores["aspect"] = round(max(item.width, item.height) / min(item.width, item.height), 4)
    return scores


def judge(scores: dict[str, float], filters: tuple[Filter, ...], thresholds: dict[str, float]) -> list[Reason]:
    """Every filter that rejects, in table order."""
    return [r for f in filters if (r := f.judge(scores, thresholds)) is not None]


def thresholds_of(config) -> dict[str, float]:
    """The threshold values the filters read, from a ProcessConfig."""
    return {f.threshold: getattr(config, f.threshold) for f in SOURCE_FILTERS + CROP_FILTERS}
