"""The errors that mean "the user asked for something that can't be done".

The CLI prints their message as a single line and exits with code 2; anything else is a bug and
keeps its traceback. The libraries (manifests, detectors, trainers, commons) raise their own
error types, since they know nothing of curator; `USER_ERRORS` is where curator adopts them.
"""

from __future__ import annotations

from commons.weights import MissingWeightsError
from detectors.errors import DetectorError
from manifests.errors import ManifestError
from trainers.errors import TrainerError


class CuratorError(Exception):
    """A user-facing failure: bad input, missing file, wrong configuration."""

    exit_code = 2


USER_ERRORS = (CuratorError, ManifestError, DetectorError, TrainerError, MissingWeightsError)
__all__ = ["USER_ERRORS", "CuratorError", "MissingWeightsError"]
