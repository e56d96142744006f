"""Near-duplicate precision and recall per transform, curator's phash against imagededup's PHash.

The labelled set is made at run time, never stored: generated mascots (`curator.sample`),
generated abstract scenes, and, when Debian's fonts-noto-color-emoji is installed, emoji
rendered with Pillow (human-drawn art). Each original gets one copy per transform: resize,
re-compression, crop of up to 5%, brightness, small text overlay. For a transform, the set
is every original plus that transform's copies; a found pair (phash distance <= t) is right
when it joins a copy to its own original. Precision = right / found, recall = right / copies.

    .venv/bin/python benchmarks/bench_dedupe_quality.py [--per-source 300] [--sources mascot,scene,emoji]
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from curator.process.dedupe import near_pairs
from curator.process.hashing import perceptual_hashes
from curator.sample.mascot import FAMILIES, MascotSpec, draw_mascot

SIZE = 256
EMOJI_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
TEXT_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
# Single-codepoint pictographs (faces, animals, food, objects); no skin-tone or ZWJ sequences,
# so no two originals are the same drawing in another colour.
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


def curator_phash(img: Image.Image) -> tuple[int]:
    return (perceptual_hashes(img)["phash"],)


def curator_phash_dhash(img: Image.Image) -> tuple[int, int]:
    hashes = perceptual_hashes(img)
    return hashes["phash"], hashes["dhash"]


def imagededup_phash() -> Callable[[Image.Image], tuple[int]]:
    """imagededup's PHash as an image -> hash function (its hasher is built once)."""
    from imagededup.methods import PHash

    hasher = PHash(verbose=False)
    return lambda img: (int(hasher.encode_image(image_array=np.asarray(img)), 16),)


def hash_all(images: list[Image.Image], fn) -> tuple[np.ndarray, float]:
    """Hashes, shape (images, hashes per image), and the median seconds per image."""
    out, times = [], []
    for img in images:
        t0 = time.perf_counter()
        out.append(fn(img))
        times.append(time.perf_counter() - t0)
    return np.array(out, dtype=np.uint64), statistics.median(times)


def score(originals: np.ndarray, copies: np.ndarray, threshold: int) -> tuple[float, float]:
    """(precision, recall) of near pairs among originals + copies; copy k belongs to original k.

    The distance sums the bits of every hash column, as `curator.process.dedupe.distance` does;
    the first column's search finds all candidates because it never exceeds the sum.
    """
    n = len(originals)
    hashes = np.concatenate([originals, copies])
    pairs = near_pairs(hashes[:, 0], threshold)
    bits = np.bitwise_count(hashes[pairs[:, 0]] ^ hashes[pairs[:, 1]]).sum(axis=1)
    pairs = pairs[bits <= threshold]
    right = int(np.sum((pairs[:, 1] >= n) & (pairs[:, 1] - n == pairs[:, 0])))
    precision = right / len(pairs) if len(pairs) else 1.0
    return precision, right / len(copies)


def choose_threshold(results: dict[str, dict[int, tuple[float, float]]], must: tuple[str, ...]) -> int:
    """Largest threshold keeping precision >= 0.98 on every transform in `must` (recall grows with it)."""
    ok = [t for t in results[must[0]] if all(results[name][t][0] >= 0.98 for name in must)]
    return max(ok, default=-1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-source", type=int, default=300, help="originals per source (mascots, scenes, emoji)")
    parser.add_argument("--max-threshold", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sources", default="mascot,scene,emoji",
                        help="comma-separated; mascots of one family share a pose, the hardest negatives")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    makers = {"mascot": mascots, "scene": scenes, "emoji": emoji}
    sources = {name: makers[name](args.per_source, rng) for name in args.sources.split(",")}
    originals = [img for imgs in sources.values() for img in imgs]
    print("originals: " + ", ".join(f"{k} {len(v)}" for k, v in sources.items()) + f" (total {len(originals)}, {SIZE} px)")
    copies = {name: [fn(img, random.Random(f"{args.seed}-{name}-{k}")) for k, img in enumerate(originals)]
              for name, fn in TRANSFORMS.items()}

    hashers = {"curator phash": curator_phash, "curator phash+dhash": curator_phash_dhash,
               "imagededup phash": imagededup_phash()}
    results: dict[str, dict[str, dict[int, tuple[float, float]]]] = {}
    for label, fn in hashers.items():
        base, per_image = hash_all(originals, fn)
        copy_hashes = {name: hash_all(imgs, fn)[0] for name, imgs in copies.items()}
        print(f"{label}: median {per_image * 1e3:.2f} ms per {SIZE} px image to hash")
        results[label] = {name: {t: score(base, h, t) for t in range(args.max_threshold + 1)}
                          for name, h in copy_hashes.items()}

    for name in TRANSFORMS:
        print(f"\n{name}: precision / recall by threshold")
        print("  t   " + "   ".join(f"{label:>19}" for label in hashers))
        for t in range(args.max_threshold + 1):
            cells = "   ".join(f"P {results[label][name][t][0]:.3f} R {results[label][name][t][1]:.3f}" for label in hashers)
            print(f"  {t:2d}  {cells}")

    print("\nlargest threshold with precision >= 0.98 on resize and recompress, and the scores there:")
    for label in hashers:
        chosen = choose_threshold(results[label], ("resize", "recompress"))
        if chosen < 0:
            print(f"  {label}: none")
            continue
        line = ", ".join(f"{name} P {results[label][name][chosen][0]:.3f} R {results[label][name][chosen][1]:.3f}"
                         for name in TRANSFORMS)
        print(f"  {label}: {chosen} bits: {line}")


if __name__ == "__main__":
    main()
