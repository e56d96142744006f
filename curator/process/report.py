"""What the stage kept and lost, for a person to check in a minute.

`yields` counts sources -> face crops per detector, subject crops per kind, and rejections per
reason; `write_contact_sheets` draws, into `reports/process-<id12>/`, one PNG per rejection
reason and one per detector: up to `SAMPLE` thumbnails, each with the number that decided it
(the reason's score, or the detection's probability or score) underneath.

The workers make each crop's tile (`tiles.tile_bytes`) while the crop is still in memory, so a
cold run draws its sheets without decoding crops again; items without one (sources rejected
before the workers, results from the cache) are decoded from the store.
"""

from __future__ import annotations

import io
import json
import os
import random
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import numpy as np

from PIL import Image, ImageDraw, ImageFont

from commons.atomic import write_bytes
from curator.process.tiles import SIDE
from detectors.base import SUBJECT_KINDS
from manifests import Item, Manifest

STAGE = "process"
SAMPLE = 64
TILE = SIDE + 6
CAPTION = 26
COLUMNS = 8


def yields(parent: Manifest, manifest: Manifest) -> dict:
    """Sources in; face crops per detector, subject crops per kind, kept crops; rejections per reason (this stage's)."""
    faces: dict[str, int] = {}
    subjects: dict[str, int] = {}
    rejected: dict[str, int] = {}
    kept = 0
    for item in manifest.items:
        if item.derived_from is not None and item.detection is not None:
            d = item.detection
            if d.kind in SUBJECT_KINDS:
                subjects[d.kind] = subjects.get(d.kind, 0) + 1
            else:
                faces[d.detector] = faces.get(d.detector, 0) + 1
            kept += item.status == "kept"
        if item.status == "rejected":
            codes = {r.code for r in item.reasons if r.stage == STAGE}
            for code in codes:
                rejected[code] = rejected.get(code, 0) + 1
    sources = sum(it.status == "kept" and it.object is not None for it in parent.items)
    return {"sources": sources, "face_crops": dict(sorted(faces.items())), "subject_crops": dict(sorted(subjects.items())),
            "kept_crops": kept, "rejected": dict(sorted(rejected.items()))}


def report_dir(root: Path, manifest: Manifest) -> Path:
    return Path(root) / "reports" / f"process-{(manifest.id or 'unsaved')[:12]}"


def write_contact_sheets(root: Path, manifest: Manifest, seed: int = 0,
                         thumbnails: dict[str, bytes] | None = None) -> list[Path]:
    """One sheet per rejection reason of this stage and per detector that gave crops; returns their paths.

    `thumbnails` maps item ids to the tiles the workers made (`tiles.tile_bytes`); other items are decoded.
    """
    groups: dict[str, list[tuple[Item, str]]] = {}
    for item in manifest.items:
        for reason in item.reasons:
            if reason.stage == STAGE:
                caption = f"{reason.score:g}" if reason.score is not None else (reason.detail or "")[:18]
                groups.setdefault(f"reason-{reason.code}", []).append((item, f"{reason.code} {caption}"))
        if item.derived_from is not None and item.detection is not None:
            d = item.detection
            how = f"p={d.probability:.2f}" if d.probability is not None else f"s={d.score:.2f}"
            name = d.detector if d.kind not in SUBJECT_KINDS else f"{d.detector}-{d.kind}"
            groups.setdefault(f"detector-{name}", []).append((item, f"{how} {'kept' if item.status == 'kept' else 'rej'}"))
    out_dir = report_dir(root, manifest)
    index = out_dir / "index.json"
    if index.is_file():  # the folder is named by the manifest's content id: same manifest, same sheets
        return [out_dir / name for name in json.loads(index.read_text())["sheets"]]
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    jobs = []
    for name, members in sorted(groups.items()):
        sample = members if len(members) <= SAMPLE else rng.sample(members, SAMPLE)
        jobs.append((out_dir / f"{_safe(name)}.png", name, len(members), sample))
    # An item can be on two sheets (its detector's and its rejection's): one tile each.
    unique = {item.id: item for *_, sample in jobs for item, _ in sample}
    known = thumbnails or {}
    # Threads: decoding, resizing and encoding release the GIL, and the sheets are independent.
    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        tiles = dict(zip(unique, pool.map(lambda item: _thumbnail(root, item, known.get(item.id)), unique.values())))
        sheets = list(pool.map(lambda job: _sheet(tiles, *job[1:]), jobs))
    paths = []
    for (path, *_), data in zip(jobs, sheets):
        # Not synced one by one: a report is redrawn from the manifest whenever it is missing.
        write_bytes(path, data, durable=False)
        paths.append(path)
    write_bytes(index, json.dumps({"manifest": manifest.id, "sheets": [p.name for p in paths]}).encode(), durable=False)
    return paths


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def _sheet(tiles: dict[str, Image.Image], title: str, total: int, sample: list[tuple[Item, str]]) -> bytes:
    rows = max(1, -(-len(sample) // COLUMNS))
    head = 22
    sheet = Image.new("RGB", (COLUMNS * TILE, head + rows * (TILE + CAPTION)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    font = _font()
    draw.text((6, 5), f"{title}: {len(sample)} of {total}", fill=(0, 0, 0), font=font)
    for i, (item, caption) in enumerate(sample):
        x, y = (i % COLUMNS) * TILE, head + (i // COLUMNS) * (TILE + CAPTION)
        thumb = tiles[item.id]
        sheet.paste(thumb, (x + (TILE - thumb.width) // 2, y + (TILE - thumb.height) // 2))
        draw.text((x + 3, y + TILE + 1), caption[:18], fill=(0, 0, 0), font=font)
        draw.text((x + 3, y + TILE + 12), item.id[:10], fill=(120, 120, 120), font=font)
    from curator.process.worker import encode_png

    return encode_png(np.asarray(sheet))


@lru_cache(maxsize=1)
def _font() -> ImageFont.ImageFont:
    # Pillow's bitmap font: captions are a few short labels, and it draws them ten times faster than FreeType.
    return ImageFont.load_default_imagefont()


def _thumbnail(root: Path, item: Item, made: bytes | None = None) -> Image.Image:
    """The item's image on a checkerboard (so transparency shows), or a grey tile saying why there is none."""
    side = SIDE
    if made is not None:
        return Image.open(io.BytesIO(made)).convert("RGB")
    try:
        if item.object is None:
            raise OSError("bytes not kept")
        img = Image.open(Path(root) / item.object)
        img.draft("RGB", (side, side))
        img.thumbnail((side, side), Image.Resampling.BILINEAR, reducing_gap=2.0)
        transparent = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
        img = img.convert("RGBA" if transparent else "RGB")
    except Exception as exc:  # noqa: BLE001 - a broken source is exactly what a rejection sheet shows
        tile = Image.new("RGB", (side, side), (200, 200, 200))
        ImageDraw.Draw(tile).text((4, side // 2 - 6), f"no image: {type(exc).__name__}"[:17], fill=(90, 0, 0), font=_font())
        return tile
    if img.mode == "RGB":  # crops and opaque sources: nothing to show through
        return img
    board = _checkerboard(side).crop((0, 0, img.width, img.height))
    board.alpha_composite(img)
    return board.convert("RGB")


@lru_cache(maxsize=2)
def _checkerboard(side: int) -> Image.Image:
    """Grey 8 px squares, so transparency in a thumbnail shows as transparency."""
    cells = (np.indices((side, side)) // 8).sum(axis=0) % 2
    grey = np.where(cells[..., None] == 0, 235, 205).astype(np.uint8)
    rgba = np.concatenate([np.repeat(grey, 3, axis=2), np.full((side, side, 1), 255, np.uint8)], axis=2)
    return Image.fromarray(rgba, "RGBA")
