"""Where the mixed-precision blocks (the top `num_fp16_res` resolutions) run in bfloat16.

On CUDA they always do (bf16 needs no loss scaling, unlike the official fp16). On the CPU they
run in float32 unless `mixed_precision_on_cpu()` is active: CPU bf16 is slower than fp32 on most
CPUs, but running the same autocast path there lets a CPU-only CI exercise it between GPU runs.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch

_on_cpu = False


def autocast(use_fp16: bool, device: torch.device) -> torch.autocast:
    kind = "cuda" if device.type == "cuda" else "cpu"
    return torch.autocast(kind, dtype=torch.bfloat16, enabled=bool(use_fp16 and (kind == "cuda" or _on_cpu)))


@contextmanager
def mixed_precision_on_cpu(enabled: bool = True) -> Iterator[None]:
    global _on_cpu
    before, _on_cpu = _on_cpu, enabled
    try:
        yield
    finally:
        _on_cpu = before
