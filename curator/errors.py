"""The one exception type that means "the user asked for something that can't be done".

The CLI prints its message as a single line and exits non-zero; anything else is a bug and
keeps its traceback.
"""


class CuratorError(Exception):
    """A user-facing failure: bad input, missing file, wrong configuration."""

    exit_code = 2


class MissingWeightsError(CuratorError):
    """A pretrained weights file is needed and could not be found or fetched."""
