"""The manifest schema: one immutable version of a dataset, and one entry per item.

A manifest is written once and never changed. Each pipeline stage reads a parent version and
writes a child that records which stage made it, with which parameters and software. Items are
never dropped: an item a stage rejects stays, with every reason that applied.

The JSON Schema shipped as ``manifest.schema.json`` is generated from these classes
(``curator manifest schema``); a test keeps the shipped file in step with the code.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = 1

Status = Literal["kept", "rejected"]
OBJECT_PATTERN = r"^objects/[0-9a-f]{2}/[0-9a-f]{64}$"


def object_path(item_id: str) -> str:
    """Where the store keeps the bytes of `item_id`, relative to the workspace."""
    return f"objects/{item_id[:2]}/{item_id}"


class _Strict(BaseModel):
    # Unknown keys are errors: a typo in a hand-edited manifest should not pass validation.
    model_config = ConfigDict(extra="forbid")


class Provenance(_Strict):
    """Where one copy of an item came from. Import fills `path`; collect fills the rest."""

    path: str | None = Field(None, description="Local file the bytes were read from.")
    url: str | None = Field(None, description="File URL the bytes were downloaded from.")
    page: str | None = Field(None, description="Post or page URL that shows the file.")
    site: str | None = Field(None, description="Source site or extractor category, e.g. 'danbooru'.")
    query: str | None = Field(None, description="Search query or tag that found it.")
    artist: str | None = None
    title: str | None = None
    licence: str | None = None
    rating: str | None = Field(None, description="Site content rating, e.g. 'g', 's', 'q', 'e'.")
    tags: list[str] = Field(default_factory=list)
    posted: str | None = Field(None, description="Time the source says the work was posted (ISO 8601).")
    fetched: str | None = Field(None, description="Time curator read or downloaded it (ISO 8601).")
    opt_out: list[str] = Field(default_factory=list, description="Opt-out signals seen, e.g. 'X-Robots-Tag: noai'.")
    extra: dict[str, Any] = Field(default_factory=dict, description="Site-specific fields worth keeping (post id, source, ...).")


class Reason(_Strict):
    """Why an item was rejected or flagged. `code` is a stable machine-readable key."""

    code: str = Field(description="Stable key such as 'corrupt', 'blur', 'duplicate', 'review'.")
    stage: str = Field(description="Stage that raised it.")
    detail: str | None = Field(None, description="Human-readable explanation.")
    score: float | None = Field(None, description="The measured value, when the reason is a threshold.")
    threshold: float | None = None


class Candidate(_Strict):
    """One box a detector returned for the source, whether or not it was chosen."""

    detector: str
    kind: str
    box: tuple[float, float, float, float] = Field(description="x0, y0, x1, y1 in source pixels")
    score: float = Field(description="The detector's own score.")
    probability: float | None = Field(None, description="Belief that it is a face, from all the evidence; None for subject boxes.")
    chosen: bool = Field(False, description="True for the box this crop was cut around.")


class Detection(_Strict):
    """The detector box a crop was cut around, in source-image pixels."""

    detector: str
    kind: str = Field(description="What was detected: 'anime_face', 'face', 'head', 'subject', ...")
    box: tuple[float, float, float, float] = Field(description="x0, y0, x1, y1")
    score: float
    landmarks: list[tuple[float, float]] | None = None
    probability: float | None = Field(None, description="Belief that the box is a face (calibrated score, agreement, plausibility).")
    why: str | None = Field(None, description="Why this box was chosen over the other candidates.")
    candidates: list[Candidate] = Field(default_factory=list, description="Every box every detector returned for the source.")
    head: tuple[float, float, float, float] | None = Field(
        None, description="x0, y0, x1, y1 of the head the box implies: a face box under its detector's fitted "
                          "face-to-head framing, a silhouette's head box itself, None for a whole subject.")


class Crop(_Strict):
    """The square a crop was cut from, and how what lay outside the source was filled."""

    box: tuple[float, float, float, float] = Field(description="x0, y0, x1, y1 in source pixels; may extend past the image.")
    angle: float = Field(0.0, description="Degrees of counter-clockwise rotation about the box centre (eye levelling).")
    pad: Literal["reflect", "blur", "solid", "none"] = Field(description="Fill outside the source; 'none' when the box lies inside it.")
    fill: tuple[int, int, int] | None = Field(None, description="RGB of a 'solid' fill.")


class Review(_Strict):
    """A human decision from `curator review`."""

    decision: Literal["accept", "reject", "relabel"]
    label: str | None = Field(None, description="New label for 'relabel'.")
    reviewer: str | None = None
    time: str | None = None


class Item(_Strict):
    """One image. `id` is the sha256 of the stored object's bytes and is unique in a manifest."""

    id: str = Field(pattern=r"^[0-9a-f]{64}$")
    object: str | None = Field(
        None, pattern=OBJECT_PATTERN,
        description="Path of the object relative to the workspace, always objects/<first two of id>/<id>; "
                    "None when the bytes were not kept (e.g. over the size limit).",
    )
    bytes: int = Field(ge=0)
    width: int | None = Field(None, description="Pixel width after EXIF orientation.")
    height: int | None = None
    format: str | None = Field(None, description="Decoded format, e.g. 'PNG', 'JPEG'.")
    mode: str | None = Field(None, description="Pixel mode of the file before conversion, e.g. 'P', 'RGBA', 'CMYK', 'I;16'.")
    hashes: dict[str, str] = Field(default_factory=dict, description="'sha256' of bytes, 'pixels' of decoded RGB, perceptual hashes ...")
    sources: list[Provenance] = Field(default_factory=list, description="Every origin of these exact bytes.")
    derived_from: str | None = Field(None, description="Id of the item this one was cut or converted from.")
    status: Status = "kept"
    reasons: list[Reason] = Field(default_factory=list)
    flags: list[Reason] = Field(default_factory=list, description="Things a reviewer should look at; they do not reject.")
    scores: dict[str, float] = Field(default_factory=dict, description="Quality, outlier and zero-shot scores by name.")
    detection: Detection | None = None
    crop: Crop | None = Field(None, description="For a crop: where in its source it was cut.")
    duplicate_group: str | None = None
    duplicate_of: str | None = Field(None, description="Id of the group member kept in this item's place.")
    cluster: int | None = None
    label: str | None = Field(None, description="Class used for conditional training (defaults to the cluster).")
    review: Review | None = None
    split: str | None = None

    @model_validator(mode="after")
    def _object_is_its_own(self) -> "Item":
        # Manifests come from other people: an object path is never more than the store's name for
        # this id, so no stage can be sent to read a file outside the workspace (../../etc/shadow).
        if self.object is not None and self.object != object_path(self.id):
            raise ValueError(f"item {self.id[:12]}: object must be {object_path(self.id)}, not {self.object!r}")
        return self

    def reject(self, reason: Reason) -> None:
        """Mark rejected, adding `reason` unless an equal one is already recorded."""
        self.status = "rejected"
        if reason not in self.reasons:
            self.reasons.append(reason)


class Manifest(_Strict):
    """One immutable version of a dataset. `id` is the sha256 of its canonical JSON without `id`."""

    schema_version: int = SCHEMA_VERSION
    id: str | None = Field(None, description="Content id, set when the manifest is written.")
    parent: str | None = Field(None, description="Id of the version this one was made from.")
    created: str = Field(description="Creation time, ISO 8601 UTC.")
    stage: str = Field(description="The stage that made it: 'import', 'collect', 'process', 'cluster', 'review', ...")
    params: dict[str, Any] = Field(default_factory=dict, description="Every parameter of that stage.")
    software: dict[str, str] = Field(default_factory=dict, description="Tool and library versions.")
    stats: dict[str, Any] = Field(default_factory=dict)
    items: list[Item] = Field(default_factory=list)

    def kept(self) -> list[Item]:
        return [it for it in self.items if it.status == "kept"]

    def by_id(self) -> dict[str, Item]:
        return {it.id: it for it in self.items}

    def summary(self) -> dict[str, Any]:
        """Counts for `stats`: items, kept, rejected, sources, and rejections by reason code."""
        reasons: dict[str, int] = {}
        for it in self.items:
            for r in it.reasons:
                reasons[r.code] = reasons.get(r.code, 0) + 1
        kept = sum(it.status == "kept" for it in self.items)
        return {
            "items": len(self.items),
            "kept": kept,
            "rejected": len(self.items) - kept,
            "sources": sum(len(it.sources) for it in self.items),
            "reasons": dict(sorted(reasons.items())),
        }
