"""Near-duplicate precision and recall per transform: the process stage's default rule against imagededup's PHash.

The labelled set is made at run time, never stored: generated mascots (`curator.sample`),
generated abstract scenes, and, when Debian's fonts-noto-color-emoji is installed, emoji
rendered with Pillow (human-drawn art). Each original gets one copy per transform: resize,
re-compression, crop of up to 5%, brightness, small text overlay.

"curator" is what `curator process` does to sources: `hashing.perceptual_hashes` at
`hashing.SOURCE_HASH_SIZE` (phash + dhash), grouped by `duplicates.near_duplicate_groups`
(connected components of phash + dhash <= `[process] near_duplicate_distance` or phash alone <=
`near_duplicate_phash_distance`, keeper first); the sweep varies the combined threshold with the
phash one at its default, then the phash one with the combined at its default.
imagededup's PHash hashes the same images (its own 64-bit hash) and goes through the same
grouping, at its `find_duplicates` default `max_distance_threshold` and a sweep.

For a transform, the set is every original plus that transform's copies. Each non-keeper of a
group is a rejection, right when it and its keeper come from one original: precision = right /
rejected. Recall = copies that share a group with their own original / copies.

    .venv/bin/python benchmarks/bench_dedupe_quality.py [--per-source 300] [--sources mascot,scene,emoji]
"""

from __future__ import annotations

import argparse
import inspect
import io
import json
import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from curator.process.config import ProcessConfig
from curator.process.hamming import HashEntry, distance, group_duplicates
from curator.process.duplicates import Thresholds, near_duplicate_groups
from curator.process.hashing import SOURCE_HASH_SIZE, perceptual_hashes, pixel_hash
from curator.sample.mascot import FAMILIES, MascotSpec, draw_mascot

SIZE = 256
EMOJI_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
TEXT_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
# Single-codepoint pictographs (faces, animals, food, objects); no skin-tone or ZWJ sequences.
# A few are still one drawing in several colours (the books U+1F4D5-1F4D9); greyscale hashes
# cannot tell those apart, and the report lists them among the wrong rejections.
EMOJI_RANGES = ((0x1F300, 0x1F5FF), (0x1F600, 0x1F64F), (0x1F680, 0x1F6FF), (0x1F900, 0x1F9FF))


def _on_white(img: Image.Image) -> Image.Image:
    base = Image.new("RGB", img.size, (255, 255, 255))
    base.paste(img, mask=img.getchannel("A") if img.mode == "RGBA" else None)
    return base


def mascots(count: int, rng: random.Random) -> list[Image.Image]:
    families = list(FAMILIES)
    return [_on_white(draw_mascot(MascotSpec.random(families[k % len(families)], rng, SIZE))[0]) for k in range(count)]


def scenes(count: int, rng: random.Random) -> list[Image.Image]:
    """Gradients, shapes and texture: varied layouts with none of the mascots' shared silhouette."""
    out = []
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    for _ in range(count):
        a, b = (np.array([rng.random() for _ in range(3)]) * 255 for _ in range(2))
        angle = rng.random() * np.pi
        ramp = (np.cos(angle) * xx + np.sin(angle) * yy)[..., None]
        ramp = (ramp - ramp.min()) / (np.ptp(ramp) + 1e-9)
        img = Image.fromarray((a * (1 - ramp) + b * ramp).astype(np.uint8))
        draw = ImageDraw.Draw(img)
        for _ in range(rng.randint(3, 9)):
            x0, y0 = rng.randrange(SIZE), rng.randrange(SIZE)
            w, h = rng.randint(16, SIZE // 2), rng.randint(16, SIZE // 2)
            colour = tuple(rng.randrange(256) for _ in range(3))
            shape = rng.choice((draw.ellipse, draw.rectangle, draw.polygon))
            if shape is draw.polygon:
                draw.polygon([(rng.randrange(SIZE), rng.randrange(SIZE)) for _ in range(3)], fill=colour)
            else:
                shape((x0, y0, x0 + w, y0 + h), fill=colour)
        out.append(img)
    return out


def emoji(count: int, rng: random.Random) -> list[Image.Image]:
    if not EMOJI_FONT.exists():
        return []
    font = ImageFont.truetype(str(EMOJI_FONT), 109)  # the one size the colour bitmaps come in
    codepoints = [cp for lo, hi in EMOJI_RANGES for cp in range(lo, hi + 1)]
    rng.shuffle(codepoints)
    out, seen = [], set()
    for cp in codepoints:
        canvas = Image.new("RGBA", (136, 128), (0, 0, 0, 0))
        ImageDraw.Draw(canvas).text((0, 0), chr(cp), font=font, embedded_color=True)
        alpha = np.asarray(canvas.getchannel("A"))
        digest = canvas.tobytes()
        if alpha.mean() < 20 or digest in seen:  # no glyph, or a glyph drawn twice
            continue
        seen.add(digest)
        out.append(_on_white(canvas).resize((SIZE, SIZE), Image.Resampling.LANCZOS))
        if len(out) == count:
            break
    return out


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def resize(img: Image.Image, rng: random.Random) -> Image.Image:
    scale = rng.uniform(0.4, 0.9)
    method = rng.choice((Image.Resampling.LANCZOS, Image.Resampling.BILINEAR, Image.Resampling.BOX))
    return img.resize((round(img.width * scale), round(img.height * scale)), method)


def recompress(img: Image.Image, rng: random.Random) -> Image.Image:
    return _jpeg(img, rng.randint(30, 75))


def crop(img: Image.Image, rng: random.Random) -> Image.Image:
    """Remove up to 5% of the width and of the height, split at random between the two sides."""
    w, h = img.size
    cut_x, cut_y = round(w * rng.uniform(0.01, 0.05)), round(h * rng.uniform(0.01, 0.05))
    left, top = rng.randint(0, cut_x), rng.randint(0, cut_y)
    return img.crop((left, top, w - (cut_x - left), h - (cut_y - top)))


def brightness(img: Image.Image, rng: random.Random) -> Image.Image:
    factor = rng.choice((rng.uniform(0.75, 0.9), rng.uniform(1.1, 1.25)))
    return Image.fromarray(np.clip(np.asarray(img, dtype=np.float32) * factor, 0, 255).astype(np.uint8))


def text_overlay(img: Image.Image, rng: random.Random) -> Image.Image:
    """A short watermark-like caption in a corner, about 6% of the height."""
    out = img.copy()
    size = max(8, round(img.height * 0.06))
    font = ImageFont.truetype(str(TEXT_FONT), size) if TEXT_FONT.exists() else ImageFont.load_default()
    words = rng.choice(("@artist", "sample", "(c) 2024", "preview", "watermark"))
    x = rng.choice((4, img.width - size * len(words) // 2 - 8))
    y = rng.choice((4, img.height - size - 6))
    ImageDraw.Draw(out).text((x, y), words, font=font, fill=rng.choice(((0, 0, 0), (255, 255, 255), (200, 30, 30))))
    return out


TRANSFORMS = {"resize": resize, "recompress": recompress, "crop": crop, "brightness": brightness, "text": text_overlay}


Hashes = tuple[int, int | None]  # phash, dhash (None: phash alone decides)
Grouping = Callable[[list[HashEntry], int], list[list[int]]]  # entries, swept threshold -> groups


@dataclass(frozen=True)
class Method:
    label: str
    hash: Callable[[Image.Image], Hashes]
    default: int  # the threshold the product or library uses out of the box
    sweep: tuple[int, ...]
    group: Grouping = group_duplicates


def curator_source_hashes(img: Image.Image) -> Hashes:
    """The process worker's source hashes (`worker._source_hashes` minus the hex round trip)."""
    hashes = perceptual_hashes(img, SOURCE_HASH_SIZE)
    return hashes["phash"], hashes["dhash"]


def imagededup_phash() -> Callable[[Image.Image], Hashes]:
    """imagededup's PHash as an image -> hash function (its hasher is built once)."""
    from imagededup.methods import PHash

    hasher = PHash(verbose=False)
    return lambda img: (int(hasher.encode_image(image_array=np.asarray(img)), 16), None)


def imagededup_default_threshold() -> int:
    from imagededup.methods import PHash

    return inspect.signature(PHash.find_duplicates).parameters["max_distance_threshold"].default


def methods() -> list[Method]:
    config = ProcessConfig()
    ours, ours_phash = config.near_duplicate_distance, config.near_duplicate_phash_distance
    theirs = imagededup_default_threshold()
    side = f"{SOURCE_HASH_SIZE}x{SOURCE_HASH_SIZE}"
    return [
        Method(f"curator, phash+dhash {side} <= bits or phash <= {ours_phash}", curator_source_hashes, ours,
               tuple(sorted({8, 12, ours, 20, 24, 32})),
               lambda entries, t: near_duplicate_groups(entries, Thresholds(t, ours_phash))),
        Method(f"curator, phash+dhash {side} <= {ours} or phash <= bits", curator_source_hashes, ours_phash,
               tuple(sorted({0, 4, 6, ours_phash, 10, 12})),
               lambda entries, t: near_duplicate_groups(entries, Thresholds(ours, t))),
        Method("imagededup PHash (64 bits)", imagededup_phash(), theirs, tuple(sorted({2, 4, 6, 8, theirs}))),
    ]


def entries(images: list[Image.Image], hashes: list[Hashes], lossless: bool, first_id: int) -> list[HashEntry]:
    """What the stage knows about each source; bytes and sharpness are left equal so area, then format pick keepers."""
    return [HashEntry(id=f"{first_id + k:06d}", phash=ph, dhash=dh, pixel_hash=pixel_hash(img), bytes=0, sharpness=0.0,
                      width=img.width, height=img.height, lossless=lossless)
            for k, (img, (ph, dh)) in enumerate(zip(images, hashes))]


def hash_all(images: list[Image.Image], fn: Callable[[Image.Image], Hashes]) -> tuple[list[Hashes], float]:
    """Hashes of every image and the median seconds per image."""
    out, times = [], []
    for img in images:
        t0 = time.perf_counter()
        out.append(fn(img))
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    recall_by_source: dict[str, float]
    rejected: int
    wrong: list[tuple[int, int, int]]  # (rejected index, keeper index, their distance) from different originals
    seconds: float  # group_duplicates wall time


def score(originals: list[HashEntry], copies: list[HashEntry], group: Grouping, threshold: int,
          source_of: np.ndarray) -> Score:
    """Group originals + copies as the stage does; copy k belongs to original k, drawn by source_of[k]."""
    n = len(originals)
    t0 = time.perf_counter()
    groups = group(originals + copies, threshold)
    seconds = time.perf_counter() - t0
    group_of = np.full(2 * n, -1)
    entries = originals + copies
    rejected, wrong = 0, []
    for g, members in enumerate(groups):
        group_of[members] = g
        keeper = members[0]
        rejected += len(members) - 1
        wrong += [(m, keeper, distance(entries[m], entries[keeper])) for m in members[1:] if m % n != keeper % n]
    found = (group_of[n:] >= 0) & (group_of[n:] == group_of[:n])
    by_source = {str(name): float(found[source_of == name].mean()) for name in dict.fromkeys(source_of)}
    precision = (rejected - len(wrong)) / rejected if rejected else 1.0
    return Score(precision, float(found.mean()), by_source, rejected, wrong, seconds)


def goal_met(s: Score) -> bool:
    return s.precision >= 0.98 and s.recall >= 0.95


def _name(index: int, source_of: np.ndarray) -> str:
    n = len(source_of)
    k = index % n
    return f"{source_of[k]}#{k}" + ("'" if index >= n else "")


def report(method: Method, results: dict[str, dict[int, Score]], per_image: float, source_of: np.ndarray) -> None:
    print(f"\n{method.label}: median {per_image * 1e3:.2f} ms per {SIZE} px image to hash; "
          f"default threshold {method.default} bits")
    print("  bits  " + "  ".join(f"{name:>26}" for name in TRANSFORMS) + "   goal (resize+recompress)")
    for t in method.sweep:
        cells = "  ".join(f"P {s.precision:.3f} R {s.recall:.3f} {len(s.wrong):3d}/{s.rejected:4d}"
                          for s in (results[name][t] for name in TRANSFORMS))
        goal = "met" if all(goal_met(results[name][t]) for name in ("resize", "recompress")) else "missed"
        mark = "*" if t == method.default else " "
        print(f"  {t:3d}{mark} {cells}   {goal}")
    group_time = statistics.median(results[name][method.default].seconds for name in TRANSFORMS)
    print(f"  (* default; cells: precision, recall, wrong/rejected; grouping {group_time * 1e3:.1f} ms "
          f"median per transform set at the default)")
    print(f"  recall by source at the default ({method.default} bits):")
    for name in TRANSFORMS:
        by_source = results[name][method.default].recall_by_source
        print(f"    {name:>10}: " + ", ".join(f"{src} {r:.3f}" for src, r in by_source.items()))
    print("  wrong rejections at the default (first 3 per transform; index: source#k, copies marked '):")
    for name in TRANSFORMS:
        for m, keeper, bits in results[name][method.default].wrong[:3]:
            print(f"    {name:>10}: {_name(m, source_of)} -> keeper {_name(keeper, source_of)}, {bits} bits")
    meeting = [t for t in method.sweep if all(goal_met(results[name][t]) for name in ("resize", "recompress"))]
    print(f"  thresholds in the sweep meeting the goal on resize and recompress: {meeting or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-source", type=int, default=300, help="originals per source (mascots, scenes, emoji)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sources", default="mascot,scene,emoji",
                        help="comma-separated; mascots of one family share a pose, the hardest negatives")
    args = parser.parse_args()
    print("config: " + json.dumps({**vars(args), "size": SIZE, "source_hash_size": SOURCE_HASH_SIZE,
                                   "near_duplicate_distance": ProcessConfig().near_duplicate_distance,
                                   "near_duplicate_phash_distance": ProcessConfig().near_duplicate_phash_distance,
                                   "imagededup_max_distance_threshold": imagededup_default_threshold(),
                                   "load_average": [round(x, 2) for x in os.getloadavg()]}))

    rng = random.Random(args.seed)
    makers = {"mascot": mascots, "scene": scenes, "emoji": emoji}
    sources = {name: makers[name](args.per_source, rng) for name in args.sources.split(",")}
    originals = [img for imgs in sources.values() for img in imgs]
    print("originals: " + ", ".join(f"{k} {len(v)}" for k, v in sources.items()) + f" (total {len(originals)}, {SIZE} px)")
    copies = {name: [fn(img, random.Random(f"{args.seed}-{name}-{k}")) for k, img in enumerate(originals)]
              for name, fn in TRANSFORMS.items()}

    n = len(originals)
    source_of = np.array([name for name, imgs in sources.items() for _ in imgs])
    for method in methods():
        hashes, per_image = hash_all(originals, method.hash)
        base = entries(originals, hashes, lossless=True, first_id=0)
        results = {}
        for name, imgs in copies.items():
            lossless = name != "recompress"  # a JPEG copy never outranks its original at equal size
            copy_entries = entries(imgs, hash_all(imgs, method.hash)[0], lossless=lossless, first_id=n)
            results[name] = {t: score(base, copy_entries, method.group, t, source_of) for t in method.sweep}
        report(method, results, per_image, source_of)
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
