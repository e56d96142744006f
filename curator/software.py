"""Versions of curator and the libraries that shape its output, recorded in every manifest."""

from __future__ import annotations

import platform
from functools import lru_cache
from importlib import metadata

_LIBRARIES = ("numpy", "pillow", "opencv-python-headless", "imagehash", "scikit-learn", "torch", "torchvision",
              "open-clip-torch", "gallery-dl", "fiftyone")


@lru_cache(maxsize=1)
def software_versions() -> dict[str, str]:
    from curator import __version__

    out = {"curator": __version__, "python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out
