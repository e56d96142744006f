"""The `[train]` section of curator.toml: defaults for `curator train` flags.

The trainer's own options are the one source of the defaults and their descriptions.
"""

from pydantic import Field

from curator.section import Section
from trainers.stylegan2.options import Aug, TrainOptions

_TRAINER = TrainOptions.model_fields


class TrainConfig(Section):
    cfg: str = _TRAINER["cfg"]
    aug: Aug = _TRAINER["aug"]
    augpipe: str = _TRAINER["augpipe"]
    diffaug: str = _TRAINER["diffaug"]
    apa: bool = _TRAINER["apa"]
    snap: int = _TRAINER["snap"]
    tick_kimg: float = _TRAINER["tick_kimg"]
    device: str = _TRAINER["device"]
    workers: int = Field(2, description="Processes decoding training images ahead of the GPU (0: in the training process).")
