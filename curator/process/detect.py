"""Detection for one image: every face detector of the chain runs, the best-supported face wins.

The chain used to stop at the first detector that found anything, so a cascade hit on a
breastplate hid the CNN's face further along. Now every face detector runs on a shrunk copy,
each candidate is judged by `detectors.evidence` (calibrated score, agreement between
detectors, plausibility), and the faces whose probability reaches `min_probability` are kept,
one per face (overlapping candidates of several detectors count once). With none, the chain's
subject detector (if any) gives the crop. `choice = "first_hit"` keeps the old behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from detectors import evidence
from detectors.base import SUBJECT_KINDS, Box, Detector
from detectors.registry import DetectorSettings, create

SUBJECT_DETECTORS = ("subject",)  # fallbacks: they run only when no face is believed
Choice = Literal["evidence", "first_hit"]


@dataclass(frozen=True)
class Candidate:
    detector: str
    box: Box  # source pixels
    probability: float | None = None  # None for subject boxes, which are not judged as faces
    calibrated: float | None = None  # the probability from the detector's score alone
    features: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ChainResult:
    detector: str  # detector of the (first) chosen box ('' when nothing was chosen)
    chosen: tuple[Candidate, ...]  # what to crop, best first
    candidates: tuple[Candidate, ...] = ()  # everything every detector returned
    why: str = ""

    @property
    def boxes(self) -> tuple[Box, ...]:
        return tuple(c.box for c in self.chosen)


class DetectorChain:
    def __init__(self, names: list[str], settings: DetectorSettings, max_side: int, choice: Choice = "evidence",
                 min_probability: float = 0.5) -> None:
        self.names = list(names)
        self.detectors: list[Detector] = [create(name, settings) for name in names]
        self.max_side, self.choice, self.min_probability = max_side, choice, min_probability

    def run(self, rgb: np.ndarray, alpha: np.ndarray | None = None) -> ChainResult:
        import cv2

        h, w = rgb.shape[:2]
        scale = min(1.0, self.max_side / max(h, w))
        if scale < 1.0:
            size = (max(1, round(w * scale)), max(1, round(h * scale)))
            rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
            alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_AREA) if alpha is not None else None
        result = self._first_hit(rgb, alpha) if self.choice == "first_hit" else self._evidence(rgb, alpha)
        return _rescaled(result, 1.0 / scale)

    def _first_hit(self, rgb: np.ndarray, alpha: np.ndarray | None) -> ChainResult:
        for name, detector in zip(self.names, self.detectors):
            boxes = detector.detect(rgb, alpha)
            if boxes:
                cands = tuple(Candidate(detector.name, b) for b in boxes)
                return ChainResult(detector.name, cands, cands, f"first hit: {detector.name}")
        return ChainResult("", (), (), "no detector found anything")

    def _evidence(self, rgb: np.ndarray, alpha: np.ndarray | None) -> ChainResult:
        raw: list[tuple[str, Box]] = []
        fallbacks = []
        for name, detector in zip(self.names, self.detectors):
            if name in SUBJECT_DETECTORS:
                fallbacks.append(detector)
                continue
            raw += [(detector.name, b) for b in detector.detect(rgb, alpha)]
        subjects = [(n, b) for n, b in raw if b.kind in SUBJECT_KINDS]  # plug-ins may return subjects too
        faces = [(n, b) for n, b in raw if b.kind not in SUBJECT_KINDS]
        judged = []
        for name, box in faces:
            ev = evidence.judge(box, name, faces, rgb, alpha)
            judged.append(Candidate(name, box, ev.probability, ev.calibrated, ev.features))
        judged.sort(key=lambda c: -(c.probability or 0.0))
        kept: list[Candidate] = []
        for cand in judged:
            if (cand.probability or 0.0) >= self.min_probability and all(evidence.overlap(cand.box, k.box) < 0.5 for k in kept):
                kept.append(cand)
        if kept:
            best = kept[0]
            return ChainResult(best.detector, tuple(kept), tuple(judged), _why_face(best, len(judged)))
        best_note = (f"best face candidate {judged[0].detector} p={judged[0].probability:.2f} < {self.min_probability}"
                     if judged else "no face candidate")
        subject_cands = [Candidate(n, b) for n, b in subjects]
        for detector in fallbacks:
            subject_cands += [Candidate(detector.name, b) for b in detector.detect(rgb, alpha)]
        if subject_cands:
            first = subject_cands[0]
            what = {"head": "head of the figure", "centre": "centre square (no subject stands out)"}.get(first.box.kind, "whole subject")
            return ChainResult(first.detector, (first,), tuple(judged + subject_cands), f"{best_note}; {what} from {first.detector}")
        return ChainResult("", (), tuple(judged), best_note)


def _why_face(c: Candidate, n: int) -> str:
    f = c.features
    parts = [f"score {c.box.score:.2f} -> {c.calibrated:.2f}"]
    if f.get("agreement", 0) >= 0.5:
        parts.append(f"another detector agrees ({f['agreement']:.2f})")
    if f.get("structure", 0) >= 0.5:
        parts.append("skin- or eye-like")
    if f.get("opaque", 1) < 0.9:
        parts.append(f"only {f['opaque']:.0%} opaque")
    return f"{c.detector} p={c.probability:.2f} best of {n} face candidates: " + ", ".join(parts)


def _rescaled(result: ChainResult, factor: float) -> ChainResult:
    if factor == 1.0:
        return result
    table = {id(c): _rescale_candidate(c, factor) for c in result.candidates + result.chosen}
    return ChainResult(result.detector, tuple(table[id(c)] for c in result.chosen),
                       tuple(table[id(c)] for c in result.candidates), result.why)


def _rescale_candidate(c: Candidate, factor: float) -> Candidate:
    return Candidate(c.detector, _rescale(c.box, factor), c.probability, c.calibrated, c.features)


def _rescale(box: Box, factor: float) -> Box:
    if factor == 1.0:
        return box
    marks = tuple((x * factor, y * factor) for x, y in box.landmarks) if box.landmarks else None
    return Box(box.x0 * factor, box.y0 * factor, box.x1 * factor, box.y1 * factor, box.score, box.kind, marks)
