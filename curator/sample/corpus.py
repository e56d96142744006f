"""Write a sample corpus to a folder, with `labels.json` saying what every file really is.

`labels.json` is written as `.labels.json` (hidden, so importing the folder skips it).
Per file it records: `kind` ('character', 'figure', 'edge_head', 'armour', 'exact_duplicate',
'near_duplicate', 'junk'), the `family` and `head_box` for characters and their copies, `duplicate_of` for
copies, `transform` for near duplicates, and `junk` (the reason a stage should reject it).
Tests and benchmarks score the pipeline against these labels.
"""

from __future__ import annotations

import io
import json
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from commons.atomic import write_text
from curator.sample import figures
from curator.sample.mascot import FAMILIES, MascotSpec, draw_mascot

LABELS = ".labels.json"
FORMATS = ("png", "jpg", "webp", "png", "jpg", "bmp", "tiff", "gif")


@dataclass(frozen=True)
class CorpusSpec:
    per_family: int = 24
    size: int = 256
    exact_duplicates: int = 8
    near_duplicates: int = 12
    junk: bool = True
    painted: int = 4  # of each painted-art case (figures.py): full figures, edge heads, armour
    seed: int = 0
    families: tuple[str, ...] = tuple(FAMILIES)


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    if img.mode == "RGBA" and fmt in ("jpg", "bmp", "gif"):  # formats without (good) alpha
        bg = Image.new("RGB", img.size, (255, 255, 255))
        bg.paste(img, mask=img.getchannel("A"))
        img = bg
    pil_fmt = {"jpg": "JPEG", "tiff": "TIFF", "png": "PNG", "webp": "WEBP", "bmp": "BMP", "gif": "GIF"}[fmt]
    if fmt == "jpg":
        kw.setdefault("quality", 92)
    if fmt == "webp":
        kw.setdefault("quality", 90)
    img.save(buf, pil_fmt, **kw)
    return buf.getvalue()


def _special_encodings(img: Image.Image) -> list[tuple[str, bytes, str]]:
    """Formats a scraper meets in the wild: palette, 16-bit, CMYK, EXIF-rotated, grayscale."""
    rgb = Image.new("RGB", img.size, (255, 255, 255))
    rgb.paste(img, mask=img.getchannel("A"))
    out = []
    out.append(("png", _encode(rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=64), "png"), "palette"))
    arr16 = (np.asarray(rgb.convert("L"), dtype=np.uint16) * 257)
    out.append(("png", _encode(Image.fromarray(arr16), "png"), "gray16"))
    out.append(("jpg", _encode(rgb.convert("CMYK"), "jpg"), "cmyk"))
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated; viewers turn it back upright
    out.append(("jpg", _encode(rgb.rotate(90, expand=True), "jpg", exif=exif.tobytes()), "exif_rotated"))
    return out


def _junk(size: int, rng: random.Random) -> list[tuple[str, bytes, str]]:
    S = size
    out: list[tuple[str, bytes, str]] = []
    out.append(("png", b"", "empty"))
    out.append(("jpg", b"this is not an image, just text with a .jpg name\n", "not_image"))
    good = _encode(Image.new("RGB", (S, S), (200, 120, 40)), "jpg")
    out.append(("jpg", good[: len(good) // 2], "truncated"))
    out.append(("png", b"\x89PNG\r\n\x1a\n" + bytes(rng.getrandbits(8) for _ in range(300)), "corrupt"))
    out.append(("png", _encode(Image.new("RGB", (S, S), (20, 200, 30)), "png"), "dominant_colour"))
    dark = Image.fromarray((np.random.default_rng(rng.randint(0, 2**31)).random((S, S, 3)) * 18).astype(np.uint8))
    out.append(("jpg", _encode(dark, "jpg"), "too_dark"))
    txt = Image.new("RGB", (S, S), (255, 255, 255))
    d = ImageDraw.Draw(txt)
    for i in range(12):
        d.text((8, 8 + i * (S // 13)), "LOREM IPSUM DOLOR SIT AMET " * 2, fill=(0, 0, 0))
    out.append(("png", _encode(txt, "png"), "text"))
    out.append(("png", _encode(Image.new("RGB", (24, 24), (120, 80, 200)), "png"), "too_small"))
    spec = MascotSpec("bear", size=S)
    blurred, _ = draw_mascot(spec)
    out.append(("jpg", _encode(blurred.filter(ImageFilter.GaussianBlur(S / 25)), "jpg"), "blur"))
    gray, _ = draw_mascot(MascotSpec("cat", size=S))
    out.append(("png", _encode(gray.convert("LA").convert("RGBA"), "png"), "grayscale"))
    wide, _ = draw_mascot(MascotSpec("frog", size=S))
    out.append(("png", _encode(wide.resize((S * 4, S // 2)), "png"), "aspect_ratio"))
    return out


def _near_copy(img: Image.Image, rng: random.Random, transform: str) -> Image.Image:
    rgb = Image.new("RGB", img.size, (255, 255, 255))
    rgb.paste(img, mask=img.getchannel("A"))
    w, h = rgb.size
    if transform == "resize":
        return rgb.resize((int(w * 0.75), int(h * 0.75)), Image.Resampling.LANCZOS)
    if transform == "recompress":
        return Image.open(io.BytesIO(_encode(rgb, "jpg", quality=55))).convert("RGB")
    if transform == "crop":
        m = int(w * 0.03)
        return rgb.crop((m, m, w - m, h - m))
    # brightness
    return Image.fromarray(np.clip(np.asarray(rgb, dtype=np.float32) * 1.12, 0, 255).astype(np.uint8))


def generate_corpus(out: Path, spec: CorpusSpec = CorpusSpec()) -> dict[str, dict]:
    """Create `out` with images and labels.json; return the labels. Deterministic in `spec.seed`."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    rng = random.Random(spec.seed)
    labels: dict[str, dict] = {}
    characters: list[tuple[str, Image.Image, dict]] = []

    def write(name: str, data: bytes, label: dict) -> None:
        (out / name).write_bytes(data)
        labels[name] = label

    for family in spec.families:
        sub = out / family
        sub.mkdir()
        for i in range(spec.per_family):
            m = MascotSpec.random(family, rng, spec.size)
            img, box = draw_mascot(m)
            fmt = FORMATS[i % len(FORMATS)] if m.background is not None else "png"
            name = f"{family}/{family}_{i:03d}.{fmt}"
            label = {"kind": "character", "family": family, "head_box": list(box)}
            write(name, _encode(img, fmt), label)
            characters.append((name, img, label))

    src, img, label = rng.choice(characters)
    (out / "formats").mkdir()
    for fmt, data, how in _special_encodings(img):
        # Same character in awkward encodings: a near-duplicate family of its own.
        write(f"formats/{Path(src).stem}_{how}.{fmt}", data,
              {"kind": "near_duplicate", "family": label["family"], "duplicate_of": src, "transform": how})

    for i, (src, _, label) in enumerate(rng.sample(characters, k=min(spec.exact_duplicates, len(characters)))):
        (out / "copies").mkdir(exist_ok=True)
        name = f"copies/copy_{i:02d}{Path(src).suffix}"
        write(name, (out / src).read_bytes(), {"kind": "exact_duplicate", "family": label["family"], "duplicate_of": src})

    transforms = ("resize", "recompress", "crop", "brightness")
    for i, (src, img, label) in enumerate(rng.sample(characters, k=min(spec.near_duplicates, len(characters)))):
        t = transforms[i % len(transforms)]
        (out / "near").mkdir(exist_ok=True)
        name = f"near/near_{i:02d}_{t}.jpg"
        write(name, _encode(_near_copy(img, rng, t), "jpg"),
              {"kind": "near_duplicate", "family": label["family"], "duplicate_of": src, "transform": t})

    if spec.painted:
        # Own random stream: the cases above stay the same whether these are made or not.
        prng = random.Random(spec.seed + 16)
        (out / "painted").mkdir()
        for i in range(spec.painted):
            family = spec.families[i % len(spec.families)]
            img, box = figures.full_figure(family, prng, spec.size, wide=bool(i % 2))
            write(f"painted/figure_{i:02d}.png", _encode(img, "png"), {"kind": "figure", "family": family, "head_box": list(box)})
            img, box = figures.edge_head(family, prng, spec.size, transparent=not i % 2)
            write(f"painted/edge_{i:02d}.png", _encode(img, "png"), {"kind": "edge_head", "family": family, "head_box": list(box)})
            write(f"painted/armour_{i:02d}.png", _encode(figures.armour(prng, spec.size, transparent=not i % 2), "png"),
                  {"kind": "armour", "head_box": None})

    if spec.junk:
        (out / "junk").mkdir()
        for fmt, data, reason in _junk(spec.size, rng):
            write(f"junk/{reason}.{fmt}", data, {"kind": "junk", "junk": reason})

    write_text(out / LABELS, json.dumps(labels, indent=1, sort_keys=True) + "\n")
    return labels
