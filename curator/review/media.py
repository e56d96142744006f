"""Store objects under names the App can show.

Store objects are named by their hash alone. FiftyOne decides a sample's media type from the
file extension (no extension means "unknown" and the App shows no image), so each object gets a
hard link (a copy across file systems) named ``<id>.<ext>`` under the workspace cache.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from curator.imageio import ImageRejected, probe
from manifests.model import Item

EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "MPO": "jpg", "WEBP": "webp", "GIF": "gif", "BMP": "bmp", "TIFF": "tif"}


def _extension(item: Item, source: Path) -> str:
    fmt = item.format
    if fmt is None:
        try:
            fmt = probe(source.read_bytes()).format
        except ImageRejected:
            fmt = None
    # The App decodes in the browser; PNG is a safe label for anything it may still manage to show.
    return EXTENSIONS.get((fmt or "").upper(), "png")


def media_path(item: Item, source: Path, media_dir: Path) -> Path:
    """An extension-bearing path with the bytes of `source` (`item`'s object), created on first use."""
    target = media_dir / item.id[:2] / f"{item.id}.{_extension(item, source)}"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        os.link(source, tmp)
    except OSError:
        shutil.copyfile(source, tmp)
    os.replace(tmp, target)
    return target
