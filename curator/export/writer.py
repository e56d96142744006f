"""Write a training set in the layout the official StyleGAN2-ADA trainer reads.

`00000/img00000000.png`, ... (RGB PNGs, one resolution) and `dataset.json` with
`{"labels": [[name, class], ...]}` or `{"labels": null}`; curator adds `curator.json` with the
manifest id, the class names and, for each file, the item it was made from. A `.zip` target
is an uncompressed ZIP (PNGs are already compressed); anything else is a folder.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
from PIL import Image, ImageOps

from commons.atomic import atomic_open, write_bytes
from curator.errors import CuratorError
from curator.export import images
from curator.export.config import ExportConfig
from curator.imageio import decode_rgb
from curator.store import ObjectStore
from manifests.model import Item, Manifest


@dataclass
class ExportResult:
    path: Path
    resolution: int
    images: int
    items: int
    classes: list[str]
    resized: int = 0
    squared: int = 0
    skipped: dict[str, int] = field(default_factory=dict)


def class_of(item: Item) -> str | None:
    """The item's class for conditional training: its label, else its cluster."""
    if item.label is not None:
        return item.label
    return str(item.cluster) if item.cluster is not None else None


def plan_resolution(items: list[Item], cfg: ExportConfig) -> int:
    if cfg.resolution:
        if not images.is_power_of_two(cfg.resolution):
            raise CuratorError(f"--resolution must be a power of two of at least 4, got {cfg.resolution}")
        return cfg.resolution
    sizes = Counter((it.width, it.height) for it in items)
    if len(sizes) == 1:
        (w, h), = sizes
        if w == h and w and images.is_power_of_two(w):
            return w
    common = ", ".join(f"{w}x{h} ({n})" for (w, h), n in sizes.most_common(3))
    raise CuratorError(f"kept items are not all one power-of-two square size ({common}); pass --resolution, e.g. 256")


def check_items(items: list[Item], cfg: ExportConfig, cond: bool) -> None:
    if not items:
        raise CuratorError("the manifest has no kept items to export")
    if cfg.fit == "error":
        odd = [it for it in items if it.width != it.height]
        if odd:
            raise CuratorError(f"{len(odd)} kept items are not square (e.g. {odd[0].id[:12]} is {odd[0].width}x{odd[0].height}); "
                               "crop them first or pass --fit crop or --fit pad")
    if cond:
        unlabelled = [it for it in items if class_of(it) is None]
        if unlabelled:
            raise CuratorError(f"--cond needs a label or cluster on every kept item; {len(unlabelled)} have none "
                               f"(e.g. {unlabelled[0].id[:12]}); run 'curator cluster' or label them in review")


def training_images(item: Item, img: Image.Image, cfg: ExportConfig, index: int) -> Iterator[tuple[str, Image.Image]]:
    """(variant, image) pairs for one item: the original, its mirror, and the augmented copies."""
    yield "original", img
    if cfg.xflip:
        yield "xflip", ImageOps.mirror(img)
    rng = np.random.default_rng([cfg.seed, index])
    for k in range(cfg.augment):
        yield f"augment{k}", images.random_affine(img, rng)


@contextmanager
def _open_sink(out: Path) -> Iterator[Callable[[str, bytes], None]]:
    """A function that adds one file to an uncompressed ZIP (written atomically) or a folder."""
    if out.suffix.lower() == ".zip":
        with atomic_open(out, "wb") as fh, zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as zf:
            yield lambda name, data: zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    else:
        out.mkdir(parents=True, exist_ok=True)
        yield lambda name, data: write_bytes(out / name, data)


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def export_manifest(manifest: Manifest, store: ObjectStore, out: Path, cfg: ExportConfig, cond: bool = False,
                    on_progress: Callable[[int, int], None] | None = None) -> ExportResult:
    """Write the kept items of `manifest` to `out` (a .zip file or a folder)."""
    kept = manifest.kept()
    stored = [it for it in kept if it.object is not None]
    check_items(stored, cfg, cond)
    resolution = plan_resolution(stored, cfg)
    classes = sorted({class_of(it) for it in stored}) if cond else []
    class_index = {name: i for i, name in enumerate(classes)}
    result = ExportResult(out, resolution, 0, len(stored), classes)
    if len(stored) < len(kept):
        result.skipped["bytes_not_stored"] = len(kept) - len(stored)
    labels, provenance = [], []
    with _open_sink(out) as add:
        for index, item in enumerate(stored):
            img = decode_rgb(store.get_bytes(item.id))
            result.squared += img.width != img.height
            img = images.fit_for_padding(img, cfg.fit, resolution)
            img = images.square(img, cfg.fit)
            result.resized += img.width != resolution
            img = images.resize(img, resolution)
            for variant, variant_img in training_images(item, img, cfg, index):
                name = f"{result.images // 1000:05d}/img{result.images:08d}.png"
                add(name, _png(variant_img))
                provenance.append({"file": name, "item": item.id, "variant": variant})
                if cond:
                    labels.append([name, class_index[class_of(item)]])
                result.images += 1
            if on_progress:
                on_progress(index + 1, len(stored))
        add("dataset.json", json.dumps({"labels": labels if cond else None}).encode())
        add("curator.json", json.dumps({
            "manifest_id": manifest.id, "resolution": resolution, "classes": classes,
            "params": {**cfg.model_dump(), "cond": cond}, "files": provenance}, indent=1).encode())
    return result
