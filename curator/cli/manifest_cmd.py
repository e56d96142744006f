"""`curator manifest {show,log,diff,validate,verify,schema}`: inspect and check versions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from curator.cli.common import JsonOption, console, print_json, workspace
from curator.errors import CuratorError

manifest_app = typer.Typer(help="Inspect, compare and check manifest versions.", no_args_is_help=True)

RefArg = typer.Argument(None, help="Manifest file, id prefix, stage name or 'latest' (default).")


@manifest_app.command("show")
def show(ref: Optional[str] = RefArg, items: bool = typer.Option(False, "--items", help="List every item."), as_json: bool = JsonOption) -> None:
    """Summary of one version: stage, parent, parameters, counts, rejection reasons."""
    ws = workspace()
    path = ws.manifests.resolve(ref)
    m = ws.manifests.load(path)
    if as_json:
        data = m.model_dump(mode="json", exclude_defaults=True) if items else m.model_dump(mode="json", exclude={"items"})
        print_json({"path": str(path), **data})
        return
    console.print(f"[bold]{path.name}[/]  id {m.id}\nstage {m.stage}  created {m.created}  parent {m.parent or '-'}")
    table = Table(show_header=False, box=None)
    for key, value in m.stats.items():
        table.add_row(str(key), json.dumps(value) if isinstance(value, (dict, list)) else str(value))
    console.print(table)
    if items:
        t = Table("id", "status", "size", "reasons", "source")
        for it in m.items:
            src = it.sources[0].path or it.sources[0].url if it.sources else (it.derived_from or "")[:12]
            t.add_row(it.id[:12], it.status, f"{it.width}x{it.height}" if it.width else "-",
                      ", ".join(r.code for r in it.reasons), str(src))
        console.print(t)


@manifest_app.command("log")
def log(ref: Optional[str] = RefArg, as_json: bool = JsonOption) -> None:
    """The chain of versions from REF back to the first."""
    chain = workspace().manifests.log(ref)
    rows = [
        {"id": mid, "path": str(p) if p else None, "stage": m.stage if m else None, "created": m.created if m else None,
         "items": len(m.items) if m else None, "kept": len(m.kept()) if m else None}
        for p, m, mid in chain
    ]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        if r["path"] is None:
            console.print(f"{r['id'][:12]}  (parent not in this workspace)")
        else:
            console.print(f"{r['id'][:12]}  {r['stage']:<8} {r['created']}  {r['kept']}/{r['items']} kept  {Path(r['path']).name}")


@manifest_app.command("diff")
def diff_cmd(a: str = typer.Argument(..., help="Older version."), b: str = typer.Argument("latest", help="Newer version."),
             show_all: bool = typer.Option(False, "--all", help="Every line, not the first 20 of each list."),
             as_json: bool = JsonOption) -> None:
    """Items added and removed, and changed decisions with their reasons."""
    from manifests.diff import diff

    ws = workspace()
    d = diff(ws.manifests.load(a), ws.manifests.load(b))
    if as_json:
        print_json(d.to_dict())
        return
    print_diff(d, None if show_all else 20)


def print_diff(d, limit: int | None = 20) -> None:
    """Counts, then the changed decisions with reasons; `limit` lines per list (None: all)."""
    if d.empty:
        console.print("no differences")
        return
    console.print(f"+{len(d.added)} added  -{len(d.removed)} removed  {len(d.cropped)} sources cropped  "
                  f"{len(d.status_changed)} status changed  {len(d.label_changed)} relabelled")
    sections = [
        ("added", [f"+ {it.id[:12]}  {it.status}" for it in d.added]),
        ("removed", [f"- {it.id[:12]}" for it in d.removed]),
        ("status changed", [f"  {c.id[:12]}  {c.before} -> {c.after}  {'; '.join(c.reasons)}" for c in d.status_changed]),
        ("relabelled", [f"  {c.id[:12]}  label {c.before} -> {c.after}" for c in d.label_changed]),
    ]
    for name, lines in sections:
        for line in lines[:limit]:
            console.print(line, highlight=False)
        if limit is not None and len(lines) > limit:
            console.print(f"  ... {len(lines) - limit} more {name} (--all or --json for every line)")


@manifest_app.command("validate")
def validate(path: Path = typer.Argument(..., help="Manifest JSON file.")) -> None:
    """Check a file against the shipped JSON Schema and its content id."""
    from manifests import io, schema

    data = io.read_json(path)
    problems = schema.errors(data) + [f"item {i}: object {o!r} is not objects/xx/<its id>" for i, o in io.misplaced_objects(data)]
    if problems:
        for p in problems[:20]:
            console.print(f"{path}: {p}", highlight=False)
        raise CuratorError(f"{path}: {len(problems)} schema error(s)")
    io.load(path)  # schema version and content id
    console.print(f"{path}: valid")


@manifest_app.command("verify")
def verify_cmd(ref: Optional[str] = RefArg, as_json: bool = JsonOption) -> None:
    """Re-hash every referenced object; name each missing or changed one."""
    from manifests.verify import verify

    ws = workspace()
    m = ws.manifests.load(ref)
    problems = verify(m, ws.root)
    if as_json:
        print_json([{"id": i, "object": o, "problem": p} for i, o, p in problems])
    else:
        for oid, obj, problem in problems:
            console.print(f"{problem}: {obj} (item {oid[:12]})")
    if problems:
        raise CuratorError(f"{len(problems)} of {sum(it.object is not None for it in m.items)} objects missing or changed")
    if not as_json:
        console.print(f"all {sum(it.object is not None for it in m.items)} objects present and intact")


@manifest_app.command("schema")
def schema_cmd(out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write to a file instead of stdout.")) -> None:
    """Print the manifest JSON Schema generated from the code."""
    from commons.atomic import write_text
    from manifests import schema

    text = json.dumps(schema.generate(), indent=1, sort_keys=True) + "\n"
    if out:
        write_text(out, text)
    else:
        print(text, end="")
