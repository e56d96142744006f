"""The `[run]` section of curator.toml: how `curator run` chains the stages.

Each step reads its own stage's section ([import], [process], [cluster], [export], [train],
[eval], [generate]); this one holds only what belongs to the chain itself.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from curator.section import Section

# The steps in order; `collect` and `import` are the two ways to start (a subject or a folder).
STEPS = ("collect", "import", "process", "cluster", "review", "export", "train", "eval", "generate")
Step = Literal["collect", "import", "process", "cluster", "review", "export", "train", "eval", "generate"]
ReviewMode = Literal["pause", "now", "skip"]


class RunConfig(Section):
    review: ReviewMode = Field(
        "pause", description="After cluster: 'pause' stops so you can run `curator review` (run again to continue), "
                             "'now' opens the App and continues when you leave it, 'skip' trains on the clustered version.")
    until: Step = Field("generate", description="Last step to run.")
    cond: bool = Field(False, description="Export class labels (item label, else cluster) and train a conditional model.")
    snapshot_metrics: list[str] = Field(
        ["swd"], description="Metrics measured at every training snapshot (metrics.jsonl); SWD needs no weights file.")
    snapshot_metrics_num: int = Field(1000, ge=10, description="Generated images per snapshot measurement.")
    train: dict[str, Any] = Field(
        default_factory=dict,
        description="Trainer options for the run's training beyond [train], as `curator train` names them "
                    "(kimg, batch, gamma, channel_base, channel_max, seed, ...); `model = \"yurugan\"` trains YuruGAN's model.")

    @field_validator("train")
    @classmethod
    def _trainer_options(cls, value: dict[str, Any]) -> dict[str, Any]:
        # A misspelt key must stop the run before its first step, not when training starts an hour later.
        from trainers.stylegan2.options import TrainOptions
        from trainers.yurugan.options import YuruGANOptions

        known = {"model", "transfer_partial", *TrainOptions.model_fields, *YuruGANOptions.model_fields}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown trainer option(s) {', '.join(unknown)}")
        return value
