"""The one exception type that means "the user asked for something that can't be done".

The CLI prints its message as a single line and exits non-zero; anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class CuratorError(Exception):
    """A user-facing failure: bad input, missing file, wrong configuration."""

    exit_code = 2


def first_error(exc: "ValidationError") -> tuple[str, str]:
    """(dotted location, message) of a pydantic ValidationError's first error, for one-line messages."""
    first = exc.errors()[0]
    return ".".join(str(p) for p in first["loc"]), first["msg"]


class MissingWeightsError(CuratorError):
    """A pretrained weights file is needed and could not be found or fetched."""
