"""Seed and layer lists as users write them ('0-3,10'); no torch, so the config can check them."""

from __future__ import annotations

from curator.errors import CuratorError


MAX_SEEDS = 10_000


def parse_seeds(text: str) -> list[int]:
    """'0-3,10' -> [0, 1, 2, 3, 10]."""
    seeds: list[int] = []
    try:
        for part in filter(None, (p.strip() for p in text.split(","))):
            lo, _, hi = part.partition("-")
            span = range(int(lo), int(hi) + 1) if hi else range(int(lo), int(lo) + 1)
            if len(seeds) + len(span) > MAX_SEEDS:  # '0-4294967295' would build a list of 4 billion ints
                raise CuratorError(f"bad seed list {text!r}: more than {MAX_SEEDS:,} seeds")
            seeds.extend(span)
    except ValueError:
        raise CuratorError(f"bad seed list {text!r}; write e.g. 0-15 or 1,5,9") from None
    if not seeds or min(seeds) < 0 or max(seeds) >= 2 ** 32:
        raise CuratorError(f"bad seed list {text!r}; seeds are 0 to 2^32 - 1")
    return seeds


def parse_layer_list(text: str) -> list[int]:
    """'0-6' -> [0, ..., 6]; a ValueError names what is wrong (it reaches the user as --mix-layers: ...)."""
    try:
        return parse_seeds(text)
    except CuratorError:
        raise ValueError(f"bad layer list {text!r}; write e.g. 0-6 or 0,1,2 (latent layer indices)") from None
