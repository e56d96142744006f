"""Mark exact and near duplicates: the keeper's crops stay, the others' crops point at them.

Duplicates are a property of source images (the same artwork posted twice, resized or
re-compressed), so sources are compared by the hashes of their decoded pixels. Comparing crops
instead would also match different characters drawn alike, because cropping lines them up.

Two sources are linked when either of two distances over their 16 x 16 hashes is small: phash +
dhash (512 bits; `dedupe.distance`) within `near_duplicate_distance`, or phash alone within
`near_duplicate_phash_distance`. The combined distance separates distinct same-family mascots
(at 8 x 8 some hash alike bit for bit; see `hashing.SOURCE_HASH_SIZE`), but JPEG noise flips
dhash's neighbour comparisons on flat areas, so re-compressed copies can move 30+ dhash bits
while their phash moves a few; the phash-only link finds those. Groups are the connected
components of both links. benchmarks/bench_process_duplicates.py and
benchmarks/bench_dedupe_quality.py hold the measurements behind both defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


from curator.graphs import connected_groups
from curator.process.hamming import HashEntry, distance, group_duplicates, keeper_key
from curator.process.hashing import hash_from_hex
from curator.process.quality import STAGE
from manifests import Item, Reason


# Formats whose files hold exactly the pixels they were given. A palette ('P') image has been reduced to
# a few colours on the way, so it does not count even as PNG; WebP may be either and is not trusted.
LOSSLESS_FORMATS = frozenset({"PNG", "BMP", "TIFF"})


def is_lossless(item: Item) -> bool:
    return item.format in LOSSLESS_FORMATS and item.mode != "P"


@dataclass
class Candidate:
    """A source with at least one kept crop."""

    source: Item
    hashes: dict[str, str]  # of the decoded source
    sharpness: float
    crops: list[Item]

    def entry(self) -> HashEntry:
        return HashEntry(id=self.source.id, phash=hash_from_hex(self.hashes["phash"]), pixel_hash=self.hashes["pixels"],
                         bytes=self.source.bytes, sharpness=self.sharpness, width=self.source.width or 0,
                         height=self.source.height or 0, dhash=hash_from_hex(self.hashes["dhash"]),
                         lossless=is_lossless(self.source))


@dataclass(frozen=True)
class Thresholds:
    """The two near-duplicate links: combined phash + dhash bits, and phash bits alone."""

    combined: int
    phash: int


def near_duplicate_groups(entries: list[HashEntry], limits: Thresholds) -> list[list[int]]:
    """Connected groups of exact duplicates and of both near links, keeper first, ordered as `group_duplicates`'."""
    phash_only = [replace(e, dhash=None) for e in entries]  # no dhash: `group_duplicates` counts phash bits alone
    linked = group_duplicates(entries, limits.combined) + group_duplicates(phash_only, limits.phash)
    # Each group is connected, so chaining its members keeps the components of the union of both graphs.
    edges = [(a, b) for group in linked for a, b in zip(group, group[1:])]
    groups = [sorted(group, key=lambda k: keeper_key(entries[k])) for group in connected_groups(len(entries), edges)]
    return sorted(groups, key=lambda group: group[0])


def mark_duplicates(candidates: list[Candidate], limits: Thresholds) -> int:
    """Reject every crop of each group's non-keepers, pointing at the keeper's first crop. Returns the group count."""
    entries = [c.entry() for c in candidates]
    groups = near_duplicate_groups(entries, limits)
    for group in groups:
        keeper = candidates[group[0]]
        target = keeper.crops[0]
        for crop in keeper.crops:
            crop.duplicate_group = target.id
        for index in group[1:]:
            reason = _reason(entries[index], entries[group[0]], limits)
            for crop in candidates[index].crops:
                crop.duplicate_group = crop.duplicate_of = target.id
                crop.reject(reason)
    return len(groups)


def _reason(other: HashEntry, keeper: HashEntry, limits: Thresholds) -> Reason:
    if other.pixel_hash == keeper.pixel_hash:
        return Reason(code="duplicate", stage=STAGE, score=0.0, detail=f"same pixels as source {keeper.id[:12]}")
    bits, phash_bits = distance(other, keeper), (other.phash ^ keeper.phash).bit_count()
    # Name the link that holds directly to the keeper; a member reached through a chain may exceed both.
    if bits > limits.combined and phash_bits <= limits.phash:
        score, threshold, what = phash_bits, limits.phash, f"phash {phash_bits} bits (phash + dhash {bits})"
    else:
        score, threshold, what = bits, limits.combined, f"phash + dhash {bits} bits"
    return Reason(code="near_duplicate", stage=STAGE, score=float(score), threshold=float(threshold),
                  detail=f"{what} from source {keeper.id[:12]}, which ranks first (larger, lossless, heavier, sharper)")


def mark_identical_crops(twins: list[tuple[Item, Item]], items: dict[str, Item]) -> int:
    """Reject each source whose crops came out byte-identical to an earlier source's, as its duplicate.

    Such a source (the same pixels in another file, or a twin drawn alike) has no crop item of its
    own, so it stays in the manifest, rejected and pointing at the crop kept in its place.
    Returns the number of groups this made (crops that were in none before).
    """
    new_groups = 0
    for source, crop in twins:
        new_groups += crop.duplicate_group is None
        group = crop.duplicate_group or crop.id
        crop.duplicate_group = source.duplicate_group = group
        kept = items[crop.duplicate_of] if crop.duplicate_of else crop
        if kept.status == "kept":
            source.duplicate_of = kept.id
        detail = f"its crop is byte-identical to crop {crop.id[:12]} of source {(crop.derived_from or '')[:12]}"
        source.reject(Reason(code="duplicate", stage=STAGE, score=0.0, detail=detail))
    return new_groups
