"""`curator init`: create a workspace with a fully commented curator.toml."""

from __future__ import annotations

import typer

from curator.cli.common import console, workspace


def init() -> None:
    """Create the workspace folder and curator.toml with every setting and its default."""
    ws = workspace()
    if ws.init():
        console.print(f"created {ws.config_path}")
    else:
        console.print(f"{ws.config_path} already exists; left unchanged")
