"""`curator.toml`: every knob of every stage, with its default and what it does.

Each stage owns a small pydantic model for its section (kept next to the stage, free of heavy
imports); `CuratorConfig` gathers them. `curator init` writes the whole file with every default
and its description, so the file documents itself.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from curator.cluster.config import ClusterConfig
from curator.collect.config import CollectConfig
from commons.validation import first_error
from curator.errors import CuratorError
from curator.evaluate.config import EvalConfig
from curator.export.config import ExportConfig
from curator.generate.config import GenerateConfig
from curator.ingest.config import ImportConfig
from curator.pipeline.config import RunConfig
from curator.process.config import ProcessConfig
from curator.review.config import ReviewConfig
from curator.section import Section
from curator.train.config import TrainConfig


class CuratorConfig(Section):
    import_: ImportConfig = Field(default_factory=ImportConfig, alias="import")
    process: ProcessConfig = Field(default_factory=ProcessConfig)
    review: ReviewConfig = Field(default_factory=ReviewConfig)
    collect: CollectConfig = Field(default_factory=CollectConfig)
    cluster: ClusterConfig = Field(default_factory=ClusterConfig)
    eval: EvalConfig = Field(default_factory=EvalConfig)
    export: ExportConfig = Field(default_factory=ExportConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)
    generate: GenerateConfig = Field(default_factory=GenerateConfig)
    run: RunConfig = Field(default_factory=RunConfig)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def load_config(path: Path) -> CuratorConfig:
    """Read `curator.toml`; a missing file means all defaults."""
    if not path.is_file():
        return CuratorConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CuratorError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError as exc:
        raise CuratorError(f"{path}: not UTF-8 text (byte {exc.start}); TOML files are UTF-8") from None
    except RecursionError:
        raise CuratorError(f"{path}: not valid TOML (nested too deeply)") from None
    except OSError as exc:
        raise CuratorError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return CuratorConfig.model_validate(data)
    except ValidationError as exc:
        where, msg = first_error(exc)
        raise CuratorError(f"{path}: {where}: {msg}") from None


def _value(v: Any) -> Any:
    if isinstance(v, BaseModel):
        return {k: _value(x) for k, x in v.model_dump(mode="json", by_alias=True).items() if x is not None}
    if isinstance(v, dict):
        return {k: _value(x) for k, x in v.items() if x is not None}
    return v


def render_toml(config: CuratorConfig) -> str:
    """The config as TOML with each key's description as a comment above it."""
    out = ["# curator workspace configuration. Every key is optional; shown values are the defaults.", ""]
    for name, field in CuratorConfig.model_fields.items():
        _render_section([field.alias or name], getattr(config, name), out)
        out.append("")
    return "\n".join(out)


def _render_section(path: list[str], section: BaseModel, out: list[str]) -> None:
    """`[a.b]` and its keys, each under its description; then its tables (TOML wants them after the keys)."""
    out.append(f"[{'.'.join(path)}]")
    tables = []
    for fname, finfo in type(section).model_fields.items():
        value = getattr(section, fname)
        if value is None:
            out.append(f"# {finfo.description or fname} (unset)")
            out.append(f"# {fname} =")
        elif isinstance(value, (BaseModel, dict)):
            tables.append((fname, finfo.description, value))
        else:
            if finfo.description:
                out.append(f"# {finfo.description}")
            out.append(tomli_w.dumps({fname: _value(value)}).strip())
    for fname, desc, value in tables:
        out.append("")
        if desc:
            out.append(f"# {desc}")
        if isinstance(value, Section):  # a sub-section: its keys get their descriptions too
            _render_section([*path, fname], value, out)
            continue
        table = {fname: _value(value)}
        for key in reversed(path):
            table = {key: table}
        out.append(tomli_w.dumps(table).strip())
