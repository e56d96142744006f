"""Which fill to use where a crop of a photo leaves the image: reflect, blur (FFHQ's blurred
reflection) or solid (white, or the mean colour along the photo's edge). Decides `PHOTO_PAD` in curator/process/crop.py.

For each photo (scikit-image's bundled public-domain photos) and each side, a strip of width
`--share` of a window is hidden, the window is cut as a crop that leaves the (shortened) image by
that strip, and the fill is compared with what was really there:

- error: mean absolute difference to the hidden pixels (0-255): how believable the fill is;
- mirror: correlation of the fill's fine detail (image minus its Gaussian blur) with the fine
  detail of the mirrored content next to it: 1 = a visible mirror image a GAN would learn,
  0 = no copied structure;
- seam: mean colour jump across the image border divided by the same jump one strip inside
  the image: > 1 means a visible edge where the photo stops.

    python benchmarks/bench_pad.py [--share 0.2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field", "immunohistochemistry", "retina")


def detail(a: np.ndarray) -> np.ndarray:
    import cv2

    g = cv2.cvtColor(a.astype(np.uint8), cv2.COLOR_RGB2GRAY).astype(np.float32)
    return g - cv2.GaussianBlur(g, (0, 0), 2.0)


def corr(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel() - a.mean(), b.ravel() - b.mean()
    d = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / d) if d > 0 else 0.0


def measure(photo: np.ndarray, mode: str, share: float) -> tuple[float, float, float]:
    from curator.process.crop import Padding, _padded

    h, w = photo.shape[:2]
    side = min(h, w) // 2
    k = int(side * share)
    errors, mirrors, seams = [], [], []
    for rot in range(4):  # hide the strip on each side in turn: rotate, hide the left strip
        img = np.ascontiguousarray(np.rot90(photo, rot))
        ih, iw = img.shape[:2]
        x0, y0 = (iw - side) // 2, (ih - side) // 2
        truth = img[y0:y0 + side, x0:x0 + side]
        visible = img[:, x0 + k:]  # the photo as if it began k pixels into the window
        edge = tuple(int(c) for c in visible[:, :4].reshape(-1, 3).mean(axis=0))  # the colour where the photo stops
        pad = Padding("solid", edge, "bench") if mode == "solid-edge" else Padding(mode, (255, 255, 255), "bench")
        out = _padded(visible, -k, y0, side, pad).astype(np.float32)
        fill, hidden = out[:, :k], truth[:, :k].astype(np.float32)
        errors.append(float(np.abs(fill - hidden).mean()))
        mirrored = out[:, k:2 * k][:, ::-1]
        mirrors.append(corr(detail(fill), detail(mirrored)))
        jump = float(np.abs(out[:, k] - out[:, k - 1]).mean())
        inside = float(np.abs(out[:, 2 * k] - out[:, 2 * k - 1]).mean()) + 1e-3
        seams.append(jump / inside)
    return statistics.mean(errors), statistics.mean(mirrors), statistics.mean(seams)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--share", type=float, default=0.2, help="share of the crop that lies outside the image")
    args = ap.parse_args()
    import skimage.data

    photos = {n: getattr(skimage.data, n)()[..., :3] for n in PHOTOS}
    print(f"{len(photos)} photos, {args.share:.0%} of each crop outside the image, 4 sides each")
    print(f"{'mode':8s} {'error (0-255)':>14s} {'mirror corr':>12s} {'seam ratio':>11s}")
    for mode in ("reflect", "blur", "solid", "solid-edge"):
        rows = [measure(p, mode, args.share) for p in photos.values()]
        e, m, s = (statistics.median(r[i] for r in rows) for i in range(3))
        print(f"{mode:8s} {e:14.1f} {m:12.3f} {s:11.2f}")


if __name__ == "__main__":
    main()
