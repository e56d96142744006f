"""Which torch device a setting names."""

from __future__ import annotations

import torch


def resolve_device(name: str | torch.device) -> torch.device:
    """'auto' is the GPU when one is present, else the CPU; anything else is a torch device name."""
    if str(name) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)
