"""The painted-art cases issue 16 found: full figures, faceless armour, heads at the frame edge.

- `full_figure`: a mascot head on a long body with legs and a raised staff, on transparency,
  tall (standing) or wide (a creature on four legs): the head is a small part of the subject.
- `armour`: breastplates, pauldrons and cloaks with rivets and folds, no face anywhere: what a
  face cascade mistakes for one.
- `edge_head`: a character whose head is cut by the top or a side of the frame, so its crop
  must be padded.
Each returns the RGBA image and the labelled head box (None for armour).
"""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from curator.sample.mascot import MascotSpec, draw_mascot


def full_figure(family: str, rng: random.Random, size: int, wide: bool) -> tuple[Image.Image, tuple[int, int, int, int]]:
    head_side = size // 2
    head, (hx0, hy0, hx1, hy1) = draw_mascot(MascotSpec(family, size=head_side, background=None, head_scale=rng.uniform(0.9, 1.1)))
    w, h = (int(size * 1.8), size) if wide else (size, int(size * 1.8))
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    shade = tuple(int(40 + 120 * rng.random()) for _ in range(3)) + (255,)
    dark = tuple(max(0, c - 40) for c in shade[:3]) + (255,)
    if wide:  # a four-legged body to the right of the head
        ox, oy = int(size * 0.05), int(size * 0.08)
        bx0, by0, bx1, by1 = ox + head_side * 0.6, oy + head_side * 0.55, w - size * 0.08, oy + head_side * 0.55 + size * 0.38
        d.ellipse([bx0, by0, bx1, by1], fill=shade, outline=dark, width=3)
        for i in range(4):
            lx = bx0 + (bx1 - bx0) * (0.15 + 0.22 * i)
            d.rectangle([lx, by1 - size * 0.08, lx + size * 0.07, h - size * 0.04], fill=dark)
        d.line([bx1 - 5, by0 + 20, w - 4, by0 - size * 0.25], fill=dark, width=6)  # a tail
    else:  # standing: shoulders, body, legs, a staff raised above the head
        ox, oy = (w - head_side) // 2 + int(rng.uniform(-0.05, 0.05) * size), int(size * 0.12)
        cx = ox + head_side / 2
        d.rounded_rectangle([cx - size * 0.3, oy + head_side * 0.8, cx + size * 0.3, oy + head_side * 0.8 + size * 0.65],
                            radius=size // 10, fill=shade, outline=dark, width=3)
        for sgn in (-1, 1):
            d.rectangle([cx + sgn * size * 0.15 - size * 0.07, oy + head_side * 0.8 + size * 0.6,
                         cx + sgn * size * 0.15 + size * 0.07, h - size * 0.03], fill=dark)
        sx = cx + size * 0.38
        d.line([sx, 2, sx, h * 0.7], fill=(110, 80, 40, 255), width=max(3, size // 40))
    img.alpha_composite(head, (int(ox), int(oy)))
    return img, (int(ox + hx0), int(oy + hy0), int(ox + hx1), int(oy + hy1))


def armour(rng: random.Random, size: int, transparent: bool) -> Image.Image:
    bg = (0, 0, 0, 0) if transparent else tuple(int(200 + 50 * rng.random()) for _ in range(3)) + (255,)
    img = Image.new("RGBA", (size, size), bg)
    d = ImageDraw.Draw(img)
    metal = int(rng.uniform(90, 190))
    tint = [metal + int(rng.uniform(-25, 25)) for _ in range(3)]
    cx = size * rng.uniform(0.4, 0.6)
    kind = rng.choice(("breastplate", "pauldrons", "cloak"))
    if kind == "cloak":
        d.polygon([(cx, size * 0.05), (size * 0.05, size * 0.95), (size * 0.95, size * 0.95)], fill=(30, 25, 40, 255))
        for i in range(5):
            x = size * (0.2 + 0.15 * i)
            d.line([cx, size * 0.1, x, size * 0.93], fill=(55, 45, 70, 255), width=max(2, size // 60))
    else:
        for band in range(6):  # a plate shaded top to bottom
            c = tuple(max(0, v - band * 14) for v in tint) + (255,)
            y0 = size * (0.15 + band * 0.12)
            d.rounded_rectangle([cx - size * 0.32, y0, cx + size * 0.32, y0 + size * 0.14], radius=size // 16, fill=c)
        if kind == "pauldrons":
            for sgn in (-1, 1):
                d.ellipse([cx + sgn * size * 0.32 - size * 0.17, size * 0.1, cx + sgn * size * 0.32 + size * 0.17, size * 0.42],
                          fill=tuple(v - 20 for v in tint) + (255,), outline=(40, 40, 40, 255), width=3)
        for row in range(3):  # rivets, in pairs: what an eye detector could take for eyes
            y = size * (0.3 + 0.2 * row)
            for sgn in (-1, 1):
                x = cx + sgn * size * 0.18
                r = size * 0.025
                d.ellipse([x - r, y - r, x + r, y + r], fill=(30, 30, 30, 255))
        d.line([cx, size * 0.15, cx, size * 0.85], fill=(50, 50, 50, 255), width=max(2, size // 50))
    return img


def edge_head(family: str, rng: random.Random, size: int, transparent: bool) -> tuple[Image.Image, tuple[int, int, int, int]]:
    side = rng.choice(("top", "left", "right"))
    dx = {"left": -0.38, "right": 0.38}.get(side, rng.uniform(-0.05, 0.05))
    dy = -0.32 if side == "top" else rng.uniform(-0.05, 0.05)
    bg = None if transparent else tuple(int(205 + 45 * rng.random()) for _ in range(3))
    return draw_mascot(MascotSpec(family, size=size, dx=dx, dy=dy, background=bg, head_scale=rng.uniform(0.9, 1.1)))
