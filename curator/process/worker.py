"""One source image in, its crops out: decode, detect, crop, score, hash, store. Runs in a worker process.

Results are plain dataclasses of JSON-able values, so the stage caches them as they are.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from PIL import Image

from curator.imageio import ImageRejected, decode_rgba, flatten
from curator.process import hashing
from curator.process.crop import CropSpec, Region, cut, region_for
from curator.process.detect import ChainResult, DetectorChain
from curator.process.scores import crop_scores
from curator.store import ObjectStore
from detectors.base import Box
from detectors.registry import DetectorSettings

FACE_KINDS = ("face", "anime_face")


@dataclass(frozen=True)
class WorkerSettings:
    store_root: str
    detectors: tuple[str, ...]
    detector_settings: DetectorSettings
    detect_max_side: int
    faces: str  # 'largest' | 'each' | 'skip'
    crop: CropSpec
    max_pixels: int


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


@dataclass
class SourceResult:
    source_id: str
    detector: str = ""
    detection: dict | None = None  # {"detector", "boxes"}: cached separately so crop changes keep it
    crops: list[CropRecord] = field(default_factory=list)
    error: tuple[str, str] | None = None  # (reason code, detail) when no crop came out
    hashes: dict[str, str] = field(default_factory=dict)  # of the decoded source: what duplicates are found by
    sharpness: float = 0.0  # of the source, to choose a duplicate group's keeper

    def to_json(self) -> dict:
        # Shallow copies suffice (the values are already plain JSON types) and cost a tenth of
        # `asdict`, which deep-copies every nested list in the main process.
        return {**vars(self), "crops": [dict(vars(c)) for c in self.crops]}

    @classmethod
    def from_json(cls, data: dict) -> "SourceResult":
        crops = [CropRecord(**c) for c in data.get("crops", [])]
        error = tuple(data["error"]) if data.get("error") else None
        return cls(data["source_id"], data.get("detector", ""), data.get("detection"), crops, error,
                   data.get("hashes", {}), data.get("sharpness", 0.0))


def _boxes_to_json(chain: ChainResult) -> dict:
    return {"detector": chain.detector, "boxes": [asdict(b) for b in chain.boxes]}


def _boxes_from_json(data: dict) -> ChainResult:
    boxes = tuple(Box(**{**b, "landmarks": tuple(map(tuple, b["landmarks"])) if b.get("landmarks") else None}) for b in data["boxes"])
    return ChainResult(data["detector"], boxes)


def select(boxes: tuple[Box, ...], policy: str) -> tuple[list[Box], tuple[str, str] | None]:
    """The boxes to crop under the several-faces policy, or a rejection (code, detail)."""
    if not boxes:
        return [], ("no_detection", "no detector in the chain found a face or subject")
    faces = [b for b in boxes if b.kind in FACE_KINDS]
    if policy == "skip" and len(faces) > 1:
        return [], ("multiple_faces", f"{len(faces)} faces found and faces = 'skip'")
    if policy == "each":
        return list(boxes), None
    return [max(boxes, key=lambda b: b.area)], None


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
            self._chain = DetectorChain(list(s.detectors), s.detector_settings, s.detect_max_side)
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
        alpha = np.asarray(rgba.getchannel("A"))
        chain = _boxes_from_json(task.detection) if task.detection else self.chain.run(rgb, alpha)
        result.detector, result.detection = chain.detector, _boxes_to_json(chain)
        boxes, result.error = select(chain.boxes, self.settings.faces)
        result.crops = [self._crop(rgb, box) for box in boxes]
        return result

    def _crop(self, rgb: np.ndarray, box: Box) -> CropRecord:
        spec = self.settings.crop
        region: Region = region_for(box, spec)
        crop = np.asarray(cut(rgb, region, spec))
        data = encode_png(crop)
        # No fsync per crop (it cost more than the crop): the stage syncs once before its cache and manifest name them.
        oid = self.store.put_bytes(data, durable=False)
        scores = {"face_size": round(min(box.width, box.height), 2), **crop_scores(crop)}
        return CropRecord(
            id=oid, bytes=len(data), box=[round(v, 2) for v in (box.x0, box.y0, box.x1, box.y1)], kind=box.kind,
            score=round(box.score, 4), landmarks=[list(p) for p in box.landmarks] if box.landmarks else None,
            region=[round(v, 2) for v in region.box], angle=round(region.angle, 3), scores=scores,
            # No perceptual hashes of the crop: duplicates are found between sources (see duplicates.py).
            # No pixel hash either: crops are always encoded by `encode_png` with the same settings,
            # so equal pixels give equal bytes and the sha256 already identifies them.
            hashes={"sha256": oid},
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
