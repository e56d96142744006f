"""Face and subject detectors behind one small protocol (`detectors.base`), found by name
through `detectors.registry`. Modules import OpenCV and friends lazily."""
