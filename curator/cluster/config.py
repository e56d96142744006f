"""The `[cluster]` section of curator.toml."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from curator.section import Section


class ZeroShotPrompt(BaseModel):
    """One CLIP text prompt; an item whose probability reaches `flag` or `reject` gets that action."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The text prompt, e.g. 'a 3D render'.")
    flag: float | None = Field(0.5, description="Flag for review at this probability (unset: never).")
    reject: float | None = Field(None, description="Reject at this probability (unset: never).")


def _default_prompts() -> dict[str, ZeroShotPrompt]:
    texts = {
        "render3d": "a 3D render",
        "photo": "a photo of a real person",
        "text": "a page of text",
        "comic": "a comic page",
        "sketch": "a pencil sketch",
        "green": "a plain green image",
    }
    return {name: ZeroShotPrompt(text=t) for name, t in texts.items()}


class ZeroShotConfig(Section):
    neutral: list[str] = Field(
        default_factory=lambda: ["an illustration of a cartoon character"],
        min_length=1,
        description="Prompts for what the data should look like; each flag prompt competes with these in the softmax.",
    )
    prompts: dict[str, ZeroShotPrompt] = Field(
        default_factory=_default_prompts,
        description="Zero-shot checks by name (scores go to item.scores['zs:<name>']); used when the embedder is CLIP.",
    )


class ClusterConfig(Section):
    embedder: str = Field(
        "clip", description="'clip', 'resnet50', 'pixels', 'sobel', or 'torchvision:<classifier>' such as 'torchvision:mobilenet_v2'."
    )
    clip_model: str = Field("ViT-B-32", description="open_clip model name for the 'clip' embedder.")
    clip_pretrained: str = Field("openai", description="open_clip pretrained tag for the 'clip' embedder.")
    sobel_backbone: str = Field("resnet50", description="torchvision classifier the Sobel edge images are fed to.")
    checkpoint: str | None = Field(None, description="Local weights file to load instead of the library's cached download.")
    image_size: int = Field(224, ge=8, description="Input size of the CNN/CLIP embedders (shorter side resized, then centre-cropped).")
    pixels_size: int = Field(32, ge=4, description="Side of the thumbnail the 'pixels' embedder flattens.")
    batch_size: int = Field(32, ge=1, description="Images per forward pass.")
    workers: int = Field(0, ge=0, description="Decode processes feeding the model; 0 means one per CPU core (at most 4).")
    device: str = Field("auto", description="'auto' (GPU when present), 'cpu', 'cuda', 'cuda:1', ...")
    pca_dims: int = Field(64, ge=0, description="Embeddings are L2-normalised and reduced to this many PCA dimensions before clustering (0: no PCA).")
    k: int = Field(0, ge=0, description="Number of clusters; 0 chooses it with `k_method`.")
    k_method: Literal["eigengap", "xmeans", "silhouette"] = Field(
        "eigengap",
        description="How k is chosen when `k` is 0: 'eigengap' (well-separated groups; finds the families), 'xmeans' (BIC; also splits sub-groups), 'silhouette'.",
    )
    k_max: int = Field(20, ge=2, description="Largest k the automatic choice may pick.")
    seeds: int = Field(5, ge=1, description="X-means runs with different seeds whose k are averaged (YuruGAN did the same); also k-means++ restarts.")
    second_level: bool = Field(False, description="Re-cluster each cluster; labels become '<cluster>.<sub>'.")
    second_level_k_max: int = Field(4, ge=2, description="Largest k inside one cluster at the second level.")
    second_level_min_size: int = Field(20, ge=4, description="Clusters smaller than this are not split at the second level.")
    outlier_neighbours: int = Field(5, ge=1, description="Neighbours whose mean cosine distance is the outlier score.")
    outlier_z: float = Field(3.5, description="Flag items whose outlier score is this many robust deviations (MAD) above the median.")
    near_duplicate_cosine: float = Field(0.97, le=1.0, description="Cosine similarity at or above which two items are flagged as embedding near-duplicates.")
    report_exemplars: int = Field(8, ge=1, description="Images per row on each cluster's contact sheet.")
    map_max_points: int = Field(1500, ge=10, description="Items drawn on the 2-D t-SNE map (a random sample beyond this).")
    zeroshot: ZeroShotConfig = Field(default_factory=ZeroShotConfig, description="Zero-shot CLIP flags.")
