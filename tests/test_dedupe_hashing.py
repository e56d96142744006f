"""Pixel, perceptual and sharpness fingerprints, and grouping on the sample corpus."""

from __future__ import annotations

import io

import imagehash
import pytest
from PIL import Image, ImageFilter, PngImagePlugin

from curator.imageio import decode_rgb
from curator.process.hamming import HashEntry, group_duplicates
from curator.process.hashing import hash_from_hex, hash_to_hex, perceptual_hashes, pixel_hash, sharpness
from curator.sample.mascot import MascotSpec, draw_mascot

# The default measured by benchmarks/bench_dedupe_quality.py (phash + dhash bits).
THRESHOLD = 4


def encoded(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


@pytest.fixture(scope="module")
def mascot() -> Image.Image:
    img, _ = draw_mascot(MascotSpec("cat", size=128, accessory="hat"))
    return decode_rgb(encoded(img, "PNG"))


def test_exact_duplicates_in_any_lossless_format_share_the_pixel_hash(mascot):
    meta = PngImagePlugin.PngInfo()
    meta.add_text("Comment", "same pixels, other bytes")
    files = [encoded(mascot, "PNG"), encoded(mascot, "PNG", pnginfo=meta), encoded(mascot, "BMP"),
             encoded(mascot, "TIFF"), encoded(mascot, "WEBP", lossless=True)]
    assert len(set(files)) == len(files)
    hashes = {pixel_hash(decode_rgb(data)) for data in files}
    assert len(hashes) == 1
    assert pixel_hash(decode_rgb(encoded(mascot, "JPEG", quality=95))) not in hashes


def test_pixel_hash_counts_the_shape_and_wants_rgb():
    flat = bytes(range(48))
    assert pixel_hash(Image.frombytes("RGB", (4, 4), flat)) != pixel_hash(Image.frombytes("RGB", (2, 8), flat))
    with pytest.raises(ValueError):
        pixel_hash(Image.new("RGBA", (4, 4)))


def test_perceptual_hashes_follow_imagehash_and_survive_resizing(mascot):
    hashes = perceptual_hashes(mascot)
    assert hash_to_hex(hashes["phash"]) == str(imagehash.phash(mascot))
    assert hash_to_hex(hashes["dhash"]) == str(imagehash.dhash(mascot))
    small = perceptual_hashes(mascot.resize((77, 77), Image.Resampling.LANCZOS))
    other = perceptual_hashes(decode_rgb(encoded(draw_mascot(MascotSpec("robot", size=128))[0], "PNG")))
    assert (hashes["phash"] ^ small["phash"]).bit_count() <= 2
    assert (hashes["phash"] ^ other["phash"]).bit_count() > 12


def test_hex_round_trip_and_bounds():
    for value in (0, 1, 2**63, 2**64 - 1):
        text = hash_to_hex(value)
        assert len(text) == 16 and hash_from_hex(text) == value
    with pytest.raises(ValueError):
        hash_to_hex(2**64)
    with pytest.raises(ValueError):
        hash_from_hex("abc")


def test_sharpness_drops_with_blur(mascot):
    assert sharpness(mascot.filter(ImageFilter.GaussianBlur(3))) < sharpness(mascot) / 3
    assert sharpness(Image.new("RGB", (32, 32), (10, 200, 30))) == 0.0


def test_sample_corpus_duplicates_group_with_their_source_and_nothing_else(corpus_dir, corpus_labels):
    names = sorted(n for n, label in corpus_labels.items() if label["kind"] != "junk")
    entries = []
    for name in names:
        data = (corpus_dir / name).read_bytes()
        rgb = decode_rgb(data)
        hashes = perceptual_hashes(rgb)
        entries.append(HashEntry(id=name, phash=hashes["phash"], pixel_hash=pixel_hash(rgb), bytes=len(data),
                                 sharpness=sharpness(rgb), width=rgb.width, height=rgb.height, dhash=hashes["dhash"]))
    groups = [[names[i] for i in group] for group in group_duplicates(entries, THRESHOLD)]
    source = {name: corpus_labels[name].get("duplicate_of", name) for name in names}
    for group in groups:
        assert len({source[name] for name in group}) == 1, group  # never two characters together
    grouped = {name for group in groups for name in group}
    must = [n for n in names if corpus_labels[n]["kind"] == "exact_duplicate"
            or corpus_labels[n].get("transform") in ("resize", "recompress", "palette", "cmyk", "exif_rotated")]
    assert len(must) >= 8
    assert set(must) <= grouped
    # Downscaled copies are never kept in place of their source.
    for group in groups:
        keeper = entries[names.index(group[0])]
        assert all(keeper.width * keeper.height >= entries[names.index(n)].width * entries[names.index(n)].height
                   for n in group)
