"""Zero-shot flags: CLIP compares each image with a text prompt and with prompts for what the data should be.

Each prompt competes only with the neutral prompts (a two-way softmax at CLIP's own logit
scale), so adding one check never changes another's scores.
"""

from __future__ import annotations

import numpy as np

from curator.cluster.config import ZeroShotConfig
from curator.cluster.space import l2_normalise


def zeroshot_scores(image_feats: np.ndarray, encode_text, logit_scale: float, cfg: ZeroShotConfig) -> dict[str, np.ndarray]:
    """Probability per item that prompt `name` fits better than the neutral prompts, by name."""
    if not cfg.prompts or len(image_feats) == 0:
        return {}
    names = list(cfg.prompts)
    texts = [cfg.prompts[n].text for n in names] + list(cfg.neutral)
    text = l2_normalise(encode_text(texts).cpu().numpy())
    logits = logit_scale * l2_normalise(image_feats) @ text.T
    neutral = logits[:, len(names):]
    out = {}
    for j, name in enumerate(names):
        both = np.concatenate([logits[:, j:j + 1], neutral], axis=1)
        both = np.exp(both - both.max(axis=1, keepdims=True))
        out[name] = both[:, 0] / both.sum(axis=1)
    return out
