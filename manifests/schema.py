"""The JSON Schema of a manifest, generated from the pydantic models and shipped with the package."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema

from manifests.model import SCHEMA_VERSION, Manifest

SCHEMA_FILE = "manifest.schema.json"


def generate() -> dict[str, Any]:
    schema = Manifest.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://curator.dev/schema/manifest-v{SCHEMA_VERSION}.json"
    return schema


def shipped() -> dict[str, Any]:
    return json.loads(resources.files("manifests").joinpath(SCHEMA_FILE).read_text(encoding="utf-8"))


def errors(data: Any) -> list[str]:
    """Every schema violation in `data`, as 'path: message' lines."""
    validator = jsonschema.Draft202012Validator(shipped())
    return [
        f"{'/'.join(str(p) for p in err.absolute_path) or '(root)'}: {err.message}"
        for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    ]
