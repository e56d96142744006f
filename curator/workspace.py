"""A workspace: one folder with the config, object store, manifests, caches and runs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from commons.atomic import write_text
from curator.errors import CuratorError
from curator.config import CuratorConfig, load_config, render_toml
from curator.software import software_versions
from curator.store import ObjectStore
from manifests.repo import ManifestRepo

ENV_VAR = "CURATOR_WORKSPACE"
CONFIG_NAME = "curator.toml"
RAW_STAGES = ("import", "collect")  # the stages that add images; each grows the latest of either


@dataclass
class Workspace:
    root: Path

    @classmethod
    def locate(cls, root: str | os.PathLike[str] | None = None) -> "Workspace":
        """`root`, else $CURATOR_WORKSPACE, else the current directory."""
        chosen = root or os.environ.get(ENV_VAR) or os.getcwd()
        path = Path(chosen).expanduser()
        try:
            path = path.resolve()
        except (OSError, RuntimeError) as exc:  # a symlink loop
            raise CuratorError(f"--workspace {chosen}: cannot be resolved ({exc})") from None
        if path.exists() and not path.is_dir():
            raise CuratorError(f"--workspace {chosen}: not a folder (it is a file); give a workspace folder")
        return cls(path)

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @cached_property
    def config(self) -> CuratorConfig:
        return load_config(self.config_path)

    @cached_property
    def store(self) -> ObjectStore:
        return ObjectStore(self.root / "objects")

    @cached_property
    def manifests(self) -> ManifestRepo:
        return ManifestRepo(self.root / "manifests", software_versions)

    def writing(self, command: str):
        """The workspace's writer lock (see curator.lock): hold it from reading a parent to committing."""
        from curator.lock import workspace_lock

        return workspace_lock(self.root, command)

    def cache_dir(self, name: str) -> Path:
        path = self.root / "cache" / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def exists(self) -> bool:
        return self.config_path.is_file()

    def init(self) -> bool:
        """Create the folder and a fully commented `curator.toml`; False if it already existed."""
        self.root.mkdir(parents=True, exist_ok=True)
        if self.config_path.exists():
            return False
        write_text(self.config_path, render_toml(CuratorConfig()))
        return True
