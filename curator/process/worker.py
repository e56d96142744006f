"""One source image in, its crops out: decode, detect, crop, score, hash, store. Runs in a worker process.

Results are plain dataclasses of JSON-able values, so the stage caches them as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cache

import numpy as np
from PIL import Image

from curator.imageio import ImageRejected, decode_rgba, flatten
from curator.process import hashing
from curator.process.crop import CropSpec, Padding, Region, cut, padding_for, reads_outside, region_for
from curator.process.detect import Candidate, ChainResult, DetectorChain
from curator.process.scores import crop_scores, shrink
from curator.process.tiles import tile_bytes
from curator.store import ObjectStore
from detectors.base import FACE_KINDS, Box
from detectors.registry import DetectorSettings

INSIDE = Padding("solid", (0, 0, 0), "unused: the crop reads only pixels of the source")


@dataclass(frozen=True)
class WorkerSettings:
    store_root: str
    detectors: tuple[str, ...]
    detector_settings: DetectorSettings
    detect_max_side: int
    faces: str  # 'largest' | 'each' | 'skip'
    crop: CropSpec
    max_pixels: int
    choice: str = "evidence"  # 'evidence' | 'first_hit'
    min_probability: float = 0.5


@dataclass(frozen=True)
class Task:
    source_id: str
    path: str  # the source object on disk
    detection: dict | None = None  # a cached `Detection` for these detector settings: skip detecting


@dataclass
class CropRecord:
    id: str
    bytes: int
    box: list[float]  # the detection, source pixels
    kind: str
    score: float
    landmarks: list[list[float]] | None
    region: list[float]  # the square cut, source pixels (may extend past the image)
    angle: float
    scores: dict[str, float]
    hashes: dict[str, str]
    detector: str = ""
    probability: float | None = None
    pad: str = "none"  # what filled the part outside the source: 'reflect' | 'blur' | 'solid' | 'none'
    fill: list[int] | None = None


@dataclass
class SourceResult:
    source_id: str
    detector: str = ""
    detection: dict | None = None  # {"detector", "chosen", "candidates", "why"}: cached separately so crop changes keep it
    crops: list[CropRecord] = field(default_factory=list)
    error: tuple[str, str] | None = None  # (reason code, detail) when no crop came out
    hashes: dict[str, str] = field(default_factory=dict)  # of the decoded source: what duplicates are found by
    sharpness: float = 0.0  # of the source, to choose a duplicate group's keeper
    thumbnails: dict[str, bytes] = field(default_factory=dict)  # crop id -> contact-sheet tile; this run only, not cached

    def to_json(self) -> dict:
        # Shallow copies suffice (the values are already plain JSON types) and cost a tenth of
        # `asdict`, which deep-copies every nested list in the main process.
        out = {**vars(self), "crops": [dict(vars(c)) for c in self.crops]}
        del out["thumbnails"]
        return out

    @classmethod
    def from_json(cls, data: dict) -> "SourceResult":
        crops = [CropRecord(**c) for c in data.get("crops", [])]
        error = tuple(data["error"]) if data.get("error") else None
        return cls(data["source_id"], data.get("detector", ""), data.get("detection"), crops, error,
                   data.get("hashes", {}), data.get("sharpness", 0.0))


def _candidate_json(c: Candidate) -> dict:
    return {"detector": c.detector, "box": asdict(c.box), "probability": c.probability, "calibrated": c.calibrated,
            "features": c.features}


def _candidate_from_json(d: dict) -> Candidate:
    b = d["box"]
    box = Box(**{**b, "landmarks": tuple(map(tuple, b["landmarks"])) if b.get("landmarks") else None})
    return Candidate(d["detector"], box, d.get("probability"), d.get("calibrated"), d.get("features") or {})


def _boxes_to_json(chain: ChainResult) -> dict:
    # Chosen candidates are stored as indices into the candidates, so each box is stored once.
    index = {id(c): i for i, c in enumerate(chain.candidates)}
    extra = [c for c in chain.chosen if id(c) not in index]
    cands = list(chain.candidates) + extra
    index.update({id(c): len(chain.candidates) + i for i, c in enumerate(extra)})
    return {"detector": chain.detector, "candidates": [_candidate_json(c) for c in cands],
            "chosen": [index[id(c)] for c in chain.chosen], "why": chain.why}


def _boxes_from_json(data: dict) -> ChainResult:
    cands = tuple(_candidate_from_json(c) for c in data["candidates"])
    return ChainResult(data["detector"], tuple(cands[i] for i in data["chosen"]), cands, data.get("why", ""))


def select(chosen: tuple[Candidate, ...], policy: str) -> tuple[list[Candidate], tuple[str, str] | None]:
    """The candidates to crop under the several-faces policy, or a rejection (code, detail)."""
    if not chosen:
        return [], ("no_detection", "no face was believed and no subject detector found a subject")
    faces = [c for c in chosen if c.box.kind in FACE_KINDS]
    if policy == "skip" and len(faces) > 1:
        return [], ("multiple_faces", f"{len(faces)} faces found and faces = 'skip'")
    if policy == "each":
        return list(chosen), None
    return [max(chosen, key=lambda c: c.box.area)], None


class Worker:
    """Holds the detectors (built once per process) and processes tasks."""

    def __init__(self, settings: WorkerSettings) -> None:
        self.settings = settings
        self.store = ObjectStore(settings.store_root)
        self._chain: DetectorChain | None = None

    @property
    def chain(self) -> DetectorChain:
        if self._chain is None:
            s = self.settings
            self._chain = DetectorChain(list(s.detectors), s.detector_settings, s.detect_max_side, s.choice, s.min_probability)
        return self._chain

    def process(self, task: Task) -> SourceResult:
        result = SourceResult(task.source_id)
        try:
            with open(task.path, "rb") as fh:
                rgba = decode_rgba(fh.read(), self.settings.max_pixels)
        except ImageRejected as exc:
            result.error = (exc.code, exc.detail)
            return result
        except OSError as exc:
            result.error = ("unreadable", f"cannot read the stored object: {exc.strerror or exc}")
            return result
        flat = flatten(rgba, self.settings.crop.background)
        rgb = np.asarray(flat)
        result.hashes = _source_hashes(flat)
        result.sharpness = round(hashing.sharpness(rgb), 2)
        alpha = np.asarray(rgba.getchannel("A")) if rgba.mode == "RGBA" else None
        chain = _boxes_from_json(task.detection) if task.detection else self.chain.run(rgb, alpha)
        result.detector, result.detection = chain.detector, _boxes_to_json(chain)
        chosen, result.error = select(chain.chosen, self.settings.faces)
        # Only crops that read past the image need to know how to fill it (most lie inside).
        padding = cache(lambda: padding_for(rgb, alpha, self.settings.crop))
        result.crops = [self._crop(rgb, cand, padding, result.thumbnails) for cand in chosen]
        return result

    def _crop(self, rgb: np.ndarray, cand: Candidate, padding_of: Callable[[], Padding],
              thumbnails: dict[str, bytes]) -> CropRecord:
        spec, box = self.settings.crop, cand.box
        region: Region = region_for(box, spec)
        padding = padding_of() if reads_outside(region, rgb.shape) else INSIDE
        crop = np.asarray(cut(rgb, region, spec, padding))
        h, w = rgb.shape[:2]
        x0, y0, x1, y1 = region.box
        outside = x0 < 0 or y0 < 0 or x1 > w or y1 > h or bool(region.angle)
        data = encode_png(crop)
        # No fsync per crop (it cost more than the crop): the stage syncs once before its cache and manifest name them.
        oid = self.store.put_bytes(data, durable=False)
        small = shrink(crop)
        # Made here, from pixels in memory, so that the report does not decode the crop again.
        thumbnails[oid] = tile_bytes(small)
        scores = {"face_size": round(min(box.width, box.height), 2), **crop_scores(small)}
        return CropRecord(
            id=oid, bytes=len(data), box=[round(v, 2) for v in (box.x0, box.y0, box.x1, box.y1)], kind=box.kind,
            score=round(box.score, 4), landmarks=[list(p) for p in box.landmarks] if box.landmarks else None,
            region=[round(v, 2) for v in region.box], angle=round(region.angle, 3), scores=scores,
            # No perceptual hashes of the crop: duplicates are found between sources (see duplicates.py).
            # No pixel hash either: crops are always encoded by `encode_png` with the same settings,
            # so equal pixels give equal bytes and the sha256 already identifies them.
            hashes={"sha256": oid},
            detector=cand.detector, probability=cand.probability, pad=padding.mode if outside else "none",
            fill=list(padding.fill) if outside and padding.mode == "solid" else None,
        )


def encode_png(rgb: np.ndarray) -> bytes:
    """An RGB array (H x W x 3, uint8) as lossless PNG through fpng: a standard PNG of similar size,
    several times faster than zlib-based encoders (OpenCV, libpng), whose encode was the largest
    single cost a crop added to decoding and detection (docs/notes/4-process.md).
    """
    import fpng

    return fpng.from_ndarray(np.ascontiguousarray(rgb))


def _source_hashes(rgb: Image.Image) -> dict[str, str]:
    """'pixels' (exact) and the perceptual hashes of a decoded source, as hex strings."""
    out = {"pixels": hashing.pixel_hash(rgb)}
    size = hashing.SOURCE_HASH_SIZE
    out.update({k: hashing.hash_to_hex(v, size * size) for k, v in hashing.perceptual_hashes(rgb, size).items()})
    return out


_worker: Worker | None = None


def init_worker(settings: WorkerSettings) -> None:
    """Pool initializer: one Worker (and one set of detectors) per process."""
    import cv2

    # The pool already runs one worker per core; OpenCV's own threads on top only oversubscribe
    # them (2-6 % more CPU per image here, for no gain in throughput).
    cv2.setNumThreads(1)
    global _worker
    _worker = Worker(settings)


def process_task(task: Task) -> SourceResult:
    """Pool entry point: an image that breaks a library becomes a rejection, never a crashed run."""
    assert _worker is not None, "init_worker was not called"
    try:
        return _worker.process(task)
    except Exception as exc:  # noqa: BLE001 - any failure on one image must not stop the others
        return SourceResult(task.source_id, error=("process_failed", f"{type(exc).__name__}: {exc}"))
