"""CLIP image embeddings through open_clip; its text tower also scores the zero-shot prompts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field

from commons.hashing import sha256_file
from commons.weights import WeightsFile, host_reachable, unavailable
from curator.cluster.embedders.base import Embedder, ImagePrep
from curator.cluster.embedders.registry import checkpoint_file, checkpoint_setting, register_embedder
from curator.errors import CuratorError
from curator.section import Section

if TYPE_CHECKING:
    import torch

_HF_FILES = ("open_clip_model.safetensors", "open_clip_pytorch_model.bin")


class ClipSection(Section):
    model: str = Field("ViT-B-32", description="open_clip model name (ViT-B-32, ViT-S-32, RN50, ...).")
    # None (from code only: TOML has no null) means random initialisation, seeded, for tests.
    pretrained: str | None = Field("openai", description="open_clip pretrained tag (openai, laion2b_s34b_b79k, ...).")
    checkpoint: str | None = Field(None, description="Local weights file to load instead of the Hugging Face cache's download.")


class ClipEmbedder(Embedder):
    """An embedder that can also embed text, for zero-shot scores."""

    def __init__(self, identity: str, clip: torch.nn.Module, prep: ImagePrep, tokenizer) -> None:
        super().__init__("clip", identity, clip, prep)
        self.tokenizer = tokenizer

    def features(self, batch: torch.Tensor) -> torch.Tensor:
        return self.model.encode_image(batch)

    def encode_text(self, texts: list[str]) -> torch.Tensor:
        import torch

        with torch.inference_mode():
            return self.model.encode_text(self.tokenizer(texts).to(self.device)).float()

    @property
    def logit_scale(self) -> float:
        return float(self.model.logit_scale.detach().exp())


@register_embedder("clip", ClipSection)
def build_clip(cfg: ClipSection) -> ClipEmbedder:
    import open_clip
    import torch

    if cfg.model not in open_clip.list_models():
        raise CuratorError(f"unknown open_clip model {cfg.model!r} (e.g. ViT-B-32, ViT-S-32, RN50)")
    weights, tag = _weights(cfg)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        clip, _, _ = open_clip.create_model_and_transforms(cfg.model, pretrained=weights)
    pp = clip.visual.preprocess_cfg
    size = pp["size"] if isinstance(pp["size"], int) else pp["size"][0]
    prep = ImagePrep(size, mean=tuple(pp["mean"]), std=tuple(pp["std"]))
    identity = f"clip:{cfg.model}:{tag}"
    return ClipEmbedder(identity, clip, prep, open_clip.get_tokenizer(cfg.model))


def _weights(cfg: ClipSection) -> tuple[str | None, str]:
    """(what to pass open_clip as `pretrained`, a tag naming those weights)."""
    if cfg.checkpoint:
        path = checkpoint_file(cfg.checkpoint)
        return str(path), f"ckpt-{sha256_file(path)[:16]}"
    if not cfg.pretrained:
        return None, "random0"
    import open_clip

    pcfg = open_clip.get_pretrained_cfg(cfg.model, cfg.pretrained)
    if not pcfg:
        tags = ", ".join(open_clip.list_pretrained_tags_by_model(cfg.model)) or "none"
        raise CuratorError(f"open_clip has no pretrained {cfg.pretrained!r} for {cfg.model} (known: {tags})")
    hf_hub = pcfg.get("hf_hub", "")
    cached = _hf_cached(hf_hub)
    if cached:
        return str(cached), cfg.pretrained
    offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on")
    if offline or not host_reachable("https://huggingface.co"):
        # Without this, open_clip/huggingface_hub retry for a long while before failing.
        os.environ["HF_HUB_OFFLINE"] = "1"
        from huggingface_hub.constants import HF_HUB_CACHE

        repo, _, name = (hf_hub + _HF_FILES[0] if hf_hub.endswith("/") else hf_hub).rpartition("/")
        spec = WeightsFile(name, f"https://huggingface.co/{repo}/resolve/main/{name}", "", setting=checkpoint_setting("clip"))
        raise unavailable(spec, f"https://huggingface.co/{repo}", f"CLIP {cfg.model}/{cfg.pretrained} is not in "
                          f"the Hugging Face cache {HF_HUB_CACHE} and huggingface.co cannot be reached", None)
    return cfg.pretrained, cfg.pretrained


def _hf_cached(hf_hub: str) -> Path | None:
    """The weights file in the Hugging Face cache, if an earlier run downloaded it."""
    from huggingface_hub import try_to_load_from_cache

    # open_clip writes 'org/name/file' or 'org/name/' (meaning its default file names).
    if hf_hub.endswith("/"):
        repo_id, names = hf_hub.rstrip("/"), list(_HF_FILES)
    else:
        repo_id, _, name = hf_hub.rpartition("/")
        names = [name]
    for name in names:
        hit = try_to_load_from_cache(repo_id, name)
        if isinstance(hit, str):
            return Path(hit)
    return None
