"""Base class for one section of `curator.toml`, and the one way command-line options reach it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from typing_extensions import Self

from curator.errors import CuratorError


class Section(BaseModel):
    """Unknown keys are errors, so a typo in curator.toml never passes silently."""

    # NaN and infinity are never a setting: --trunc nan once wrote black images.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    def override(self, **given: Any) -> Self:
        """This section with the command-line values that were given (not None), validated as the file is."""
        try:
            return self.model_validate({**self.model_dump(), **{k: v for k, v in given.items() if v is not None}})
        except ValidationError as exc:
            raise CuratorError(option_error(exc)) from None


def option_error(exc: ValidationError) -> str:
    """One line naming the option as it is typed: '--k-method must be eigengap, xmeans or silhouette, not ...'."""
    first = exc.errors()[0]
    if not first["loc"]:  # a rule across options says what is wrong in its own words
        return str(first.get("ctx", {}).get("error", first["msg"])).removeprefix("Value error, ")
    flag = "--" + ".".join(str(p) for p in first["loc"]).replace("_", "-")
    if first["type"] == "literal_error":
        return f"{flag} must be {first['ctx']['expected'].replace(chr(39), '')}, not {first['input']!r}"
    return f"{flag}: {first['msg'].removeprefix('Value error, ')}"
