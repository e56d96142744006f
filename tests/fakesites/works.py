"""The artworks every fake site serves, each in its own site's format."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
from dataclasses import dataclass, field
from functools import lru_cache

from curator.sample import FAMILIES, MascotSpec, draw_mascot

SIZE = 96


@lru_cache(maxsize=64)
def _image(seed: int, size: int = SIZE) -> bytes:
    rng = random.Random(seed)
    families = sorted(FAMILIES)
    img, _ = draw_mascot(MascotSpec.random(families[seed % len(families)], rng, size=size))
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "PNG")
    return buf.getvalue()


@dataclass
class Work:
    id: int
    title: str
    artist: str
    tags: list[str]
    posted: dt.datetime  # UTC
    image: bytes
    mature: bool = False  # rated explicit / adult: must never be downloaded by default
    size: int = SIZE
    extra: dict = field(default_factory=dict)

    @property
    def md5(self) -> str:
        return hashlib.md5(self.image).hexdigest()

    @property
    def sha1(self) -> str:
        return hashlib.sha1(self.image).hexdigest()

    @property
    def ts(self) -> int:
        return int(self.posted.timestamp())

    @property
    def posted_iso(self) -> str:
        return self.posted.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def make_works(n: int = 5, base_id: int = 1000, seed: int = 0, mature: tuple[int, ...] = (3,),
               size: int = SIZE) -> list[Work]:
    """`n` works tagged 'elf'; even ones also 'mascot' (the second query finds them again); index 3 is mature."""
    works = []
    for i in range(1, n + 1):
        works.append(Work(
            id=base_id + i, title=f"Elf study {i}", artist=f"artist_{i % 3}",
            tags=["elf", "fantasy"] + (["mascot"] if i % 2 == 0 else []),
            posted=dt.datetime(2024, 1, 1 + (i - 1) % 28, 10, 30, tzinfo=dt.timezone.utc),
            image=_image(seed * 100 + i, size), mature=i in mature, size=size))
    return works


def search(works: list[Work], tag: str) -> list[Work]:
    return [w for w in works if tag in w.tags]
