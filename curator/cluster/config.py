"""The `[cluster]` section of curator.toml, with one `[cluster.<embedder>]` section per embedder."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from curator.cluster.embedders.clip import ClipSection
from curator.cluster.embedders.pixels import PixelsSection
from curator.cluster.embedders.torchvision_cnn import ClassifierSection, SobelSection, TorchvisionSection
from curator.section import Section

# The flat keys of [cluster] before each embedder had its own section: each goes to the sections
# of the embedders it applied to, so that a file written then means what it meant.
_FLAT = {
    "clip_model": (("clip",), "model"),
    "clip_pretrained": (("clip",), "pretrained"),
    "sobel_backbone": (("sobel",), "backbone"),
    "pixels_size": (("pixels",), "size"),
    "image_size": (("resnet50", "sobel", "torchvision"), "image_size"),
    "checkpoint": (("clip", "resnet50", "sobel", "torchvision"), "checkpoint"),
}
_EMBEDDERS = {name for names, _ in _FLAT.values() for name in names}


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
        "clip", description="'clip', 'resnet50', 'pixels', 'sobel', or 'torchvision:<classifier>' such as 'torchvision:mobilenet_v2'; "
                            "each reads its own [cluster.<name>] section."
    )
    clip: ClipSection = Field(default_factory=ClipSection, description="The 'clip' embedder (open_clip).")
    resnet50: ClassifierSection = Field(default_factory=ClassifierSection, description="The 'resnet50' embedder (torchvision, ImageNet).")
    sobel: SobelSection = Field(default_factory=SobelSection, description="The 'sobel' embedder: edge images into a torchvision classifier.")
    torchvision: TorchvisionSection = Field(default_factory=TorchvisionSection, description="The 'torchvision:<classifier>' embedders.")
    pixels: PixelsSection = Field(default_factory=PixelsSection, description="The 'pixels' embedder: a flattened thumbnail.")
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

    def embedder_section(self) -> Section | None:
        """The section of the chosen embedder ('torchvision:<arch>' reads [cluster.torchvision])."""
        return getattr(self, self.embedder.partition(":")[0], None)

    @model_validator(mode="before")
    @classmethod
    def _flat_keys(cls, data: Any) -> Any:
        """Older files' flat keys (and --checkpoint) into the embedders' sections. A shared key that the chosen embedder
        ignores is refused unless it holds the default: it used to be dropped silently."""
        if not isinstance(data, dict) or not data.keys() & _FLAT.keys():
            return data
        data = dict(data)
        chosen = str(data.get("embedder", cls.model_fields["embedder"].default)).partition(":")[0]
        for key in sorted(data.keys() & _FLAT.keys()):
            value, (names, field) = data.pop(key), _FLAT[key]
            default = cls.model_fields[names[0]].annotation.model_fields[field].default
            # A key named for its embedder (clip_model) cannot be misread; a shared one (image_size) was, silently.
            if len(names) > 1 and chosen in _EMBEDDERS and chosen not in names and value != default:
                raise ValueError(f"{key} = {value!r} is for the {', '.join(names)} embedders, not for {chosen!r}: "
                                 "leave it out, or set it in the [cluster.<embedder>] section it is for")
            for name in names:
                data[name] = {**dict(data.get(name) or {}), field: value}
        return data
