"""Which torch device a setting names."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported when a device is resolved, not when this error type is
    import torch


class DeviceError(ValueError):
    """A device name torch does not know, or a GPU that is not there."""


def resolve_device(name: str | torch.device) -> torch.device:
    """'auto' is the GPU when one is present, else the CPU; anything else is a torch device name."""
    import torch

    if str(name) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError, ValueError):
        raise DeviceError(f"--device {name}: not a device; use auto, cpu, cuda or cuda:N") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(f"--device {name}: no CUDA GPU is visible to torch here; use --device cpu (or auto)")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise DeviceError(f"--device {name}: only {torch.cuda.device_count()} CUDA device(s) here")
    elif device.type not in ("cpu", "mps", "xpu"):
        raise DeviceError(f"--device {name}: curator runs on cpu or cuda, not {device.type}")
    return device
