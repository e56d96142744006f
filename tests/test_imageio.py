import io

import numpy as np
import pytest
from PIL import Image

from curator.imageio import ImageRejected, decode_rgb, decode_rgba, probe


def _png(img: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", **kw)
    return buf.getvalue()


def test_exif_orientation_applied():
    img = Image.new("RGB", (40, 20), (255, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif.tobytes())
    assert (probe(buf.getvalue()).width, probe(buf.getvalue()).height) == (20, 40)
    assert decode_rgb(buf.getvalue()).size == (20, 40)


def test_sixteen_bit_is_scaled_not_clipped():
    arr = np.full((8, 8), 32768, dtype=np.uint16)
    rgb = np.asarray(decode_rgb(_png(Image.fromarray(arr))))
    assert rgb.shape == (8, 8, 3)
    assert abs(int(rgb[0, 0, 0]) - 128) <= 1


def test_palette_transparency_and_alpha_flattening():
    pal = Image.new("P", (4, 4), 0)
    pal.putpalette([255, 0, 0] + [0, 0, 0] * 255)
    data = _png(pal, transparency=0)
    assert decode_rgba(data).getpixel((0, 0))[3] == 0
    assert decode_rgb(data, background=(0, 0, 255)).getpixel((0, 0)) == (0, 0, 255)


def test_cmyk_and_gray_become_rgb():
    buf = io.BytesIO()
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(buf, "JPEG")
    r, g, b = decode_rgb(buf.getvalue()).getpixel((4, 4))
    assert r > 200 and g < 60 and b < 60
    assert decode_rgb(_png(Image.new("L", (4, 4), 77))).getpixel((0, 0)) == (77, 77, 77)


@pytest.mark.parametrize(
    "data,code",
    [
        (b"", "empty"),
        (b"plain text", "not_image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "corrupt"),
    ],
)
def test_broken_inputs_have_stable_codes(data, code):
    with pytest.raises(ImageRejected) as exc:
        probe(data)
    assert exc.value.code == code


def test_truncated_and_bomb():
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(buf, "JPEG")
    with pytest.raises(ImageRejected) as exc:
        probe(buf.getvalue()[:600])
    assert exc.value.code in ("truncated", "corrupt")
    big = _png(Image.new("1", (3000, 3000)))
    with pytest.raises(ImageRejected) as exc:
        probe(big, max_pixels=1_000_000)
    assert exc.value.code == "too_many_pixels"


def _encoded(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(buf, fmt)
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF"])
def test_header_probe_skips_decoding_whole_files_but_still_catches_cut_ones(fmt, monkeypatch):
    data = _encoded(fmt)
    decoded = []
    real_load = Image.Image.load
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(1) or real_load(self))
    info = probe(data, decode=False)
    assert (info.width, info.height, info.format) == (64, 48, fmt)
    assert not decoded  # a whole file's pixels are left to the stage that decodes anyway
    with pytest.raises(ImageRejected) as exc:
        probe(data[: len(data) * 2 // 3], decode=False)
    assert exc.value.code in ("truncated", "corrupt")


def test_header_probe_decodes_files_with_trailing_data():
    # Phones append data after a JPEG's end marker; such a file cannot be judged by its tail,
    # so it is decoded and, being whole, accepted.
    data = _encoded("JPEG") + b"\0" * 5000
    assert probe(data, decode=False).width == 64


def test_header_probe_applies_png_exif_orientation():
    exif = Image.Exif()
    exif[0x0112] = 6
    data = _png(Image.new("RGB", (40, 20)), exif=exif)
    assert (probe(data, decode=False).width, probe(data, decode=False).height) == (20, 40)
