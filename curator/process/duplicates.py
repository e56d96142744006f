"""Mark exact and near duplicates: the keeper's crops stay, the others' crops point at them.

Duplicates are a property of source images (the same artwork posted twice, resized or
re-compressed), so sources are compared by the hashes of their decoded pixels. Comparing crops
instead would also match different characters drawn alike, because cropping lines them up.

One distance decides: phash + dhash bits of 16 x 16 hashes (512 bits; `dedupe.distance`). At
8 x 8 some distinct same-family mascots hash alike bit for bit, so no 64- or 128-bit threshold
separates them from their copies (see `hashing.SOURCE_HASH_SIZE` and
benchmarks/bench_process_duplicates.py for the measurements behind the default threshold).
"""

from __future__ import annotations

from dataclasses import dataclass

from curator.process.dedupe import HashEntry, distance, group_duplicates
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


def mark_duplicates(candidates: list[Candidate], threshold: int) -> int:
    """Reject every crop of each group's non-keepers, pointing at the keeper's first crop. Returns the group count."""
    entries = [c.entry() for c in candidates]
    groups = group_duplicates(entries, threshold)
    for group in groups:
        keeper = candidates[group[0]]
        target = keeper.crops[0]
        for crop in keeper.crops:
            crop.duplicate_group = target.id
        for index in group[1:]:
            reason = _reason(entries[index], entries[group[0]], threshold)
            for crop in candidates[index].crops:
                crop.duplicate_group = crop.duplicate_of = target.id
                crop.reject(reason)
    return len(groups)


def _reason(other: HashEntry, keeper: HashEntry, threshold: int) -> Reason:
    if other.pixel_hash == keeper.pixel_hash:
        return Reason(code="duplicate", stage=STAGE, score=0.0, detail=f"same pixels as source {keeper.id[:12]}")
    bits = distance(other, keeper)
    return Reason(code="near_duplicate", stage=STAGE, score=float(bits), threshold=float(threshold),
                  detail=f"phash + dhash {bits} bits from source {keeper.id[:12]}, "
                         "which ranks first (larger, lossless, heavier, sharper)")


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
