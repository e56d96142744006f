"""Base class for one section of `curator.toml`."""

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """Unknown keys are errors, so a typo in curator.toml never passes silently."""

    model_config = ConfigDict(extra="forbid")
