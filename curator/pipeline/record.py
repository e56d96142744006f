"""What `curator run` remembers between invocations: its config and, per step, what it made from what.

One JSON file in the workspace (`run.json`), rewritten atomically after every step, so an
interrupted run knows exactly which steps are done.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from commons.atomic import write_text
from curator.errors import CuratorError

RECORD_NAME = "run.json"


@dataclass
class Done:
    """A step's output: its id (a manifest id, a file's identity), where it is, and what it holds."""

    id: str
    path: str
    made: str  # one line: what the step made
    counts: dict[str, Any] = field(default_factory=dict)


@dataclass
class StepRecord:
    input: str  # the id of what the step read (the previous step's output, or the folder's listing)
    settings: str  # key of the settings that decide the output
    done: Done
    seconds: float = 0.0

    @classmethod
    def from_json(cls, data: dict[str, Any], root: Path) -> "StepRecord":
        done = Done(**data["done"])
        done.path = str(root / done.path)  # a no-op for an absolute path
        return cls(data["input"], data["settings"], done, data.get("seconds", 0.0))

    def to_json(self, root: Path) -> dict[str, Any]:
        """Paths inside the workspace are kept relative to it, so a moved or copied workspace keeps its record."""
        data = asdict(self)
        path = Path(self.done.path)
        if path.is_relative_to(root):
            data["done"]["path"] = str(path.relative_to(root))
        return data


@dataclass
class RunRecord:
    path: Path
    config: dict[str, Any] = field(default_factory=dict)
    steps: dict[str, StepRecord] = field(default_factory=dict)
    paused: str | None = None  # the cluster version the run stopped on for review

    @classmethod
    def load(cls, root: Path) -> "RunRecord":
        path = root / RECORD_NAME
        if not path.is_file():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            steps = {name: StepRecord.from_json(rec, root) for name, rec in data.get("steps", {}).items()}
        except (ValueError, KeyError, TypeError) as exc:
            raise CuratorError(f"{path}: not a run record ({exc}); delete it to start the run's bookkeeping afresh") from None
        return cls(path, data.get("config", {}), steps, data.get("paused"))

    def save(self) -> None:
        data = {"config": self.config, "paused": self.paused,
                "steps": {name: rec.to_json(self.path.parent) for name, rec in self.steps.items()}}
        write_text(self.path, json.dumps(data, indent=1, sort_keys=True) + "\n")
