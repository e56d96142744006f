"""Draw one cartoon mascot: a family's head shape, eyes, mouth, body, colours and accessories.

Families differ in silhouette and palette so that clustering has real structure to find;
members of a family differ in shade, size, position and accessories.
"""

from __future__ import annotations

import colorsys
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

# name -> (head shape, base hue, body shape)
FAMILIES: dict[str, tuple[str, float, str]] = {
    "cat": ("cat", 0.08, "round"),     # orange, pointed ears
    "bear": ("bear", 0.0, "round"),    # red-brown, round ears
    "frog": ("frog", 0.33, "pear"),    # green, eye bumps
    "ghost": ("ghost", 0.62, "tail"),  # blue, wavy tail
    "robot": ("robot", 0.78, "box"),   # purple, square head, antenna
}
ACCESSORIES = ("none", "hat", "bow", "scarf", "glasses")


@dataclass(frozen=True)
class MascotSpec:
    family: str
    size: int = 256
    hue_shift: float = 0.0
    lightness: float = 0.55
    head_scale: float = 1.0
    dx: float = 0.0  # centre offset as a fraction of size
    dy: float = 0.0
    accessory: str = "none"
    background: tuple[int, int, int] | None = (245, 245, 240)  # None = transparent
    mouth: str = "smile"

    @classmethod
    def random(cls, family: str, rng: random.Random, size: int = 256) -> "MascotSpec":
        bg = None if rng.random() < 0.25 else tuple(int(200 + 55 * rng.random()) for _ in range(3))
        return cls(
            family=family, size=size, hue_shift=rng.uniform(-0.03, 0.03), lightness=rng.uniform(0.45, 0.65),
            head_scale=rng.uniform(0.85, 1.1), dx=rng.uniform(-0.08, 0.08), dy=rng.uniform(-0.05, 0.05),
            accessory=rng.choice(ACCESSORIES), background=bg, mouth=rng.choice(("smile", "open", "flat")),
        )


def _rgb(h: float, l: float, s: float = 0.7) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb(h % 1.0, max(0.0, min(1.0, l)), s)
    return int(r * 255), int(g * 255), int(b * 255)


def draw_mascot(spec: MascotSpec) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """Return the image (RGBA) and the head box (x0, y0, x1, y1) in pixels."""
    S = spec.size
    img = Image.new("RGBA", (S, S), (*spec.background, 255) if spec.background else (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    shape, hue, body = FAMILIES[spec.family]
    main = _rgb(hue + spec.hue_shift, spec.lightness)
    dark = _rgb(hue + spec.hue_shift, spec.lightness - 0.25)
    light = _rgb(hue + spec.hue_shift, spec.lightness + 0.2)
    cx, cy = S * (0.5 + spec.dx), S * (0.40 + spec.dy)
    r = S * 0.2 * spec.head_scale
    outline = max(1, S // 128)

    # body first, so the head overlaps it
    by = cy + r * 0.9
    if body == "round":
        d.ellipse([cx - r * 0.9, by, cx + r * 0.9, by + r * 1.5], fill=main, outline=dark, width=outline)
        d.ellipse([cx - r * 0.5, by + r * 0.3, cx + r * 0.5, by + r * 1.2], fill=light)
    elif body == "pear":
        d.polygon([(cx - r * 0.5, by), (cx + r * 0.5, by), (cx + r * 1.0, by + r * 1.5), (cx - r * 1.0, by + r * 1.5)], fill=main, outline=dark)
    elif body == "tail":
        pts = [(cx - r, cy)] + [(cx - r + i * r / 4, by + r * 1.2 + (r * 0.2 if i % 2 else 0)) for i in range(9)] + [(cx + r, cy)]
        d.polygon(pts, fill=main, outline=dark)
    else:  # box
        d.rectangle([cx - r * 0.8, by, cx + r * 0.8, by + r * 1.4], fill=main, outline=dark, width=outline)
        d.rectangle([cx - r * 0.3, by + r * 0.3, cx + r * 0.3, by + r * 0.7], fill=light)

    top = cy - r
    if shape == "cat":
        for sgn in (-1, 1):
            d.polygon([(cx + sgn * r * 0.9, cy - r * 0.2), (cx + sgn * r * 0.75, cy - r * 1.35), (cx + sgn * r * 0.2, cy - r * 0.85)], fill=main, outline=dark)
        top = cy - r * 1.35
    elif shape == "bear":
        for sgn in (-1, 1):
            d.ellipse([cx + sgn * r * 0.75 - r * 0.35, cy - r * 1.1, cx + sgn * r * 0.75 + r * 0.35, cy - r * 0.4], fill=main, outline=dark, width=outline)
        top = cy - r * 1.1
    elif shape == "frog":
        for sgn in (-1, 1):
            d.ellipse([cx + sgn * r * 0.5 - r * 0.38, cy - r * 1.2, cx + sgn * r * 0.5 + r * 0.38, cy - r * 0.45], fill=main, outline=dark, width=outline)
        top = cy - r * 1.2
    elif shape == "robot":
        d.line([cx, cy - r, cx, cy - r * 1.4], fill=dark, width=max(1, S // 64))
        d.ellipse([cx - r * 0.12, cy - r * 1.55, cx + r * 0.12, cy - r * 1.3], fill=(255, 60, 60))
        top = cy - r * 1.55

    if shape == "robot":
        d.rounded_rectangle([cx - r, cy - r, cx + r, cy + r], radius=r * 0.2, fill=main, outline=dark, width=outline)
    elif shape == "frog":
        d.ellipse([cx - r * 1.15, cy - r * 0.8, cx + r * 1.15, cy + r * 0.9], fill=main, outline=dark, width=outline)
    else:
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=main, outline=dark, width=outline)

    # eyes: big white with dark pupils; frogs keep theirs on top
    ey = cy - r * (0.82 if shape == "frog" else 0.15)
    for sgn in (-1, 1):
        ex = cx + sgn * r * 0.42 if shape != "frog" else cx + sgn * r * 0.5
        er = r * 0.22
        d.ellipse([ex - er, ey - er, ex + er, ey + er], fill=(255, 255, 255), outline=(20, 20, 20), width=outline)
        pr = er * 0.55
        d.ellipse([ex - pr, ey - pr + er * 0.15, ex + pr, ey + pr + er * 0.15], fill=(20, 20, 30))
        d.ellipse([ex - pr * 0.3, ey - pr * 0.4, ex + pr * 0.1, ey], fill=(255, 255, 255))
    my = cy + r * 0.45
    if spec.mouth == "smile":
        d.arc([cx - r * 0.35, my - r * 0.3, cx + r * 0.35, my + r * 0.15], 20, 160, fill=(40, 20, 20), width=max(1, S // 96))
    elif spec.mouth == "open":
        d.ellipse([cx - r * 0.18, my - r * 0.12, cx + r * 0.18, my + r * 0.2], fill=(150, 30, 40), outline=(40, 20, 20))
    else:
        d.line([cx - r * 0.25, my, cx + r * 0.25, my], fill=(40, 20, 20), width=max(1, S // 96))
    for sgn in (-1, 1):  # cheeks
        d.ellipse([cx + sgn * r * 0.65 - r * 0.12, cy + r * 0.2, cx + sgn * r * 0.65 + r * 0.12, cy + r * 0.38], fill=(255, 150, 160))

    if spec.accessory == "hat":
        d.rectangle([cx - r * 0.7, cy - r * 1.05, cx + r * 0.7, cy - r * 0.9], fill=(30, 30, 30))
        d.rectangle([cx - r * 0.45, cy - r * 1.6, cx + r * 0.45, cy - r * 1.0], fill=(30, 30, 30))
        top = min(top, cy - r * 1.6)
    elif spec.accessory == "bow":
        bx, byy = cx + r * 0.6, cy - r * 0.85
        d.polygon([(bx, byy), (bx - r * 0.35, byy - r * 0.2), (bx - r * 0.35, byy + r * 0.2)], fill=(230, 40, 120))
        d.polygon([(bx, byy), (bx + r * 0.35, byy - r * 0.2), (bx + r * 0.35, byy + r * 0.2)], fill=(230, 40, 120))
    elif spec.accessory == "scarf":
        d.rectangle([cx - r * 0.85, cy + r * 0.85, cx + r * 0.85, cy + r * 1.1], fill=(40, 90, 220))
    elif spec.accessory == "glasses":
        for sgn in (-1, 1):
            ex = cx + sgn * r * 0.42
            d.ellipse([ex - r * 0.28, ey - r * 0.28, ex + r * 0.28, ey + r * 0.28], outline=(10, 10, 10), width=max(2, S // 80))
        d.line([cx - r * 0.14, ey, cx + r * 0.14, ey], fill=(10, 10, 10), width=max(2, S // 80))

    half_w = r * (1.15 if shape == "frog" else 1.0)
    box = (int(max(0, cx - half_w)), int(max(0, top)), int(min(S, cx + half_w)), int(min(S, cy + r)))
    return img, box

