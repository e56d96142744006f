"""Reading and writing manifests: canonical JSON, content ids, schema-version checks."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from commons.atomic import write_text
from commons.validation import first_error
from manifests.errors import ManifestError
from manifests.model import SCHEMA_VERSION, Manifest, object_path


# One encoder for every call (json.dumps with options builds a new one each time).
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def canonical_json(data: Any) -> str:
    """The one byte-exact serialisation that content ids are computed over."""
    return _canonical(data)


def to_data(manifest: Manifest) -> dict[str, Any]:
    # Defaults are left out so files stay small; the set of defaults is part of the schema version.
    return manifest.model_dump(mode="json", exclude_defaults=True, exclude={"id"}) | {
        "schema_version": manifest.schema_version,
        "stage": manifest.stage,
        "created": manifest.created,
    }


def content_id(manifest: Manifest) -> str:
    return hashlib.sha256(canonical_json(to_data(manifest)).encode()).hexdigest()


def now_iso() -> str:
    """The current UTC time, or $SOURCE_DATE_EPOCH when set (the reproducible-builds convention).

    Creation and fetch times enter content ids, so two runs of the same pipeline on the same
    inputs (one interrupted and resumed, one not) make the same ids only with a pinned clock.
    """
    pinned = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if pinned:
        try:
            return datetime.fromtimestamp(int(pinned), timezone.utc).isoformat(timespec="seconds")
        except (ValueError, OverflowError, OSError):
            raise ManifestError(f"SOURCE_DATE_EPOCH={pinned!r}: not a number of seconds since 1970") from None
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def readable_json(data: dict[str, Any], items: list[str] | None = None) -> str:
    """Sorted keys, one top-level field per line and one item per line.

    An item per line keeps a diff between versions to one line per changed item, and lets
    the whole list go through the json module's C encoder: pretty-printing every item with
    `indent` runs its pure-Python encoder, which cost more than everything else in writing a
    manifest of a few thousand items. `items`: data["items"] already encoded by `canonical_json`.
    """
    if items is None:
        items = [canonical_json(item) for item in data.get("items") or ()]
    fields = []
    for key in sorted(data):
        if key == "items" and items:
            text = "[\n" + ",\n".join("  " + item for item in items) + "\n ]"
        else:
            text = json.dumps(data[key], sort_keys=True, ensure_ascii=False, allow_nan=False, indent=1)
            text = text.replace("\n", "\n ")
        fields.append(f" {canonical_json(key)}: {text}")
    return "{\n" + ",\n".join(fields) + "\n}\n"


def _canonical_document(data: dict[str, Any], items: list[str]) -> str:
    """canonical_json(data), byte for byte, with data["items"] already encoded one by one."""
    fields = (canonical_json(key) + ":" + ("[" + ",".join(items) + "]" if key == "items" else canonical_json(data[key]))
              for key in sorted(data))
    return "{" + ",".join(fields) + "}"


def serialise(manifest: Manifest) -> tuple[str, str]:
    """(content id, readable JSON with that id), from one dump of the model.

    Each item is encoded once and serves both the id and the file (encoding them twice was a
    third of a manifest write).
    """
    data = to_data(manifest)
    items = [canonical_json(item) for item in data.get("items") or ()]
    manifest_id = hashlib.sha256(_canonical_document(data, items).encode()).hexdigest()
    data["id"] = manifest_id
    return manifest_id, readable_json(data, items)


def dumps(manifest: Manifest) -> str:
    return serialise(manifest)[1]


def save(manifest: Manifest, path: str | os.PathLike[str]) -> Manifest:
    """Write atomically; return the manifest with its id set."""
    manifest.id, text = serialise(manifest)
    write_text(path, text)
    return manifest


def parse(data: Any, source: str = "manifest") -> Manifest:
    """Validate loaded JSON, refusing versions this code does not know."""
    if not isinstance(data, dict):
        raise ManifestError(f"{source}: not a curator manifest (expected a JSON object)")
    version = data.get("schema_version")
    if not isinstance(version, int):
        raise ManifestError(f"{source}: not a curator manifest (no schema_version)")
    if version > SCHEMA_VERSION:
        raise ManifestError(
            f"{source}: written by a newer curator (schema version {version}, this one reads up to "
            f"{SCHEMA_VERSION}); upgrade curator to read it: pip install -U stylegan-curator"
        )
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        misplaced = misplaced_objects(data)
        if misplaced:
            shown = ", ".join(f"{i} ({o!r})" for i, o in misplaced[:5])
            raise ManifestError(f"{source}: {len(misplaced)} item(s) name an object that is not their own "
                                f"objects/xx/<id> path: {shown}{' ...' if len(misplaced) > 5 else ''}") from None
        where, msg = first_error(exc)
        raise ManifestError(f"{source}: invalid manifest at {where}: {msg} ({exc.error_count()} error(s))") from None


def misplaced_objects(data: Any) -> list[tuple[str, Any]]:
    """(item id, object) of every item in raw manifest data whose object is not objects/<id[:2]>/<id>."""
    out = []
    items = data.get("items") if isinstance(data, dict) else None
    for n, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict) or item.get("object") is None:
            continue
        item_id = item.get("id")
        if not isinstance(item_id, str) or item.get("object") != object_path(item_id):
            out.append((item_id[:12] if isinstance(item_id, str) else f"items[{n}]", item.get("object")))
    return out


def read_json(path: str | os.PathLike[str]) -> Any:
    """A manifest file's JSON, with every way it can fail to be read or parsed said in one line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ManifestError(f"{path}: a folder; give a manifest .json file") from None
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{path}: not UTF-8 text (byte {exc.start}); not a manifest") from None
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise ManifestError(f"{path}: not a manifest (JSON nested too deeply)") from None


def load(path: str | os.PathLike[str], check_id: bool = True) -> Manifest:
    path = Path(path)
    data = read_json(path)
    manifest = parse(data, str(path))
    if check_id and manifest.id is not None and manifest.id != content_id(manifest):
        raise ManifestError(f"{path}: content does not match its id {manifest.id[:12]} (edited by hand?)")
    return manifest
