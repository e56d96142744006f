"""The one way curator decodes an image file, so every stage sees the same pixels.

EXIF orientation is applied; palette, grayscale, CMYK and 16-bit images become 8-bit RGB(A);
animated files give their first frame. Broken files raise `ImageRejected` with a stable code.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

# Curator enforces its own pixel limit (ImportConfig.max_pixels) before decoding; Pillow's
# global guard would otherwise raise for big-but-legitimate art at 2x its default.
Image.MAX_IMAGE_PIXELS = None


# Magic numbers of the formats curator reads, to tell a damaged image from a non-image.
_SIGNATURES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*", b"RIFF")


class ImageRejected(Exception):
    """A file that cannot become a training image; `code` goes into the manifest."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class ImageInfo:
    width: int  # after EXIF orientation
    height: int
    format: str
    mode: str  # as stored in the file
    frames: int


def _classify(exc: BaseException) -> str:
    """'truncated' when the data simply ends too early (an interrupted download), else 'corrupt'."""
    text = str(exc).lower()
    if isinstance(exc, EOFError) or "truncated" in text or "end of file" in text:
        return "truncated"
    return "corrupt"


def _open(data: bytes, max_pixels: int) -> Image.Image:
    if not data:
        raise ImageRejected("empty", "zero-byte file")
    try:
        img = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        if data.startswith(_SIGNATURES):
            raise ImageRejected("corrupt", "image signature present but the data cannot be decoded") from None
        raise ImageRejected("not_image", "not a recognised image format") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRejected(_classify(exc), f"unreadable header: {exc}") from None
    w, h = img.size
    if w <= 0 or h <= 0:
        raise ImageRejected("corrupt", f"invalid size {w}x{h}")
    if w * h > max_pixels:
        raise ImageRejected("too_many_pixels", f"{w}x{h} exceeds the {max_pixels:,}-pixel limit (possible decompression bomb)")
    return img


def _load(img: Image.Image) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            img.load()
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise ImageRejected(_classify(exc), f"decode failed: {exc}") from None


def _ends_whole(data: bytes, fmt: str) -> bool:
    """True when the file ends where its format says it should: not cut short, as far as the
    container can tell without decoding pixels. False means "cannot tell", not "broken"."""
    if fmt == "PNG":
        return data.rfind(b"IEND\xaeB`\x82", -4096) != -1  # the IEND chunk's type and CRC
    if fmt == "JPEG":
        return data.rfind(b"\xff\xd9", -64) != -1
    if fmt == "WEBP":
        return int.from_bytes(data[4:8], "little") + 8 <= len(data)
    if fmt == "GIF":
        return data.rstrip(b"\0").endswith(b";")
    return False


def _orientation(img: Image.Image, decoded: bool) -> int:
    if decoded or img.format != "PNG":
        return img.getexif().get(0x0112, 1)
    # Pillow would decode a PNG to look for an eXIf chunk after the pixels; read one before them only.
    if "exif" not in img.info:
        return 1
    exif = Image.Exif()
    exif.load(img.info["exif"])
    return exif.get(0x0112, 1)


def probe(data: bytes, max_pixels: int = 64_000_000, decode: bool = True) -> ImageInfo:
    """Describe `data`, decoding every pixel to catch any damage.

    With `decode=False` (for callers whose next stage decodes anyway) the pixels are decoded
    only when the file does not visibly end whole; cut-short files are still rejected as
    truncated, but damage inside an otherwise whole file is left for the full decode to find.
    """
    img = _open(data, max_pixels)
    fmt, mode, frames = img.format or "unknown", img.mode, getattr(img, "n_frames", 1)
    decoded = decode or not _ends_whole(data, fmt)
    if decoded:
        _load(img)
    w, h = img.size
    try:
        orientation = _orientation(img, decoded)
    except Exception:  # malformed EXIF is not worth rejecting the image for
        orientation = 1
    if orientation in (5, 6, 7, 8):
        w, h = h, w
    return ImageInfo(w, h, fmt, mode, frames)


def _to_8bit(img: Image.Image) -> Image.Image:
    import numpy as np  # only high-bit-depth images need it; `curator collect` probes without loading it

    if img.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if img.mode.startswith("I;16") or arr.max() > 255 else 255.0
        return Image.fromarray(np.clip(arr * (255.0 / top) + 0.5, 0, 255).astype(np.uint8), "L")
    if img.mode == "F":
        arr = np.asarray(img, dtype=np.float64)
        return Image.fromarray(np.clip(arr * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")
    return img


def decode_rgba(data: bytes, max_pixels: int = 64_000_000) -> Image.Image:
    """First frame, EXIF-oriented, as 8-bit RGBA (opaque when the file has no alpha)."""
    img = _open(data, max_pixels)
    _load(img)
    try:
        img = ImageOps.exif_transpose(img)
    except Exception:
        pass
    img = _to_8bit(img)
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    return img.convert("RGBA")


def flatten(img: Image.Image, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """RGBA onto a solid background, as RGB."""
    if img.mode == "RGB":
        return img
    if img.mode != "RGBA":
        return img.convert("RGB")
    base = Image.new("RGB", img.size, background)
    base.paste(img, mask=img.getchannel("A"))
    return base


def decode_rgb(data: bytes, background: tuple[int, int, int] = (255, 255, 255), max_pixels: int = 64_000_000) -> Image.Image:
    """First frame, EXIF-oriented, 8-bit RGB with any alpha flattened onto `background`."""
    return flatten(decode_rgba(data, max_pixels), background)
