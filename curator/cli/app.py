"""The `curator` command line. Each command group lives in its own module and registers here."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from curator import DISTRIBUTION, __version__
from curator.cli import cluster_cmd, collect_cmd, common, eval_cmd, export_cmd, generate_cmd, import_cmd, init_cmd, manifest_cmd, process_cmd, review_cmd, run_cmd, sample_cmd, train_cmd
from curator.errors import USER_ERRORS

app = typer.Typer(
    name="curator",
    help="Turn a subject into a clean, reviewed, versioned image dataset and a trained StyleGAN2-ADA model.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        print(f"{DISTRIBUTION} {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    workspace: Optional[Path] = typer.Option(
        None, "--workspace", "-w", envvar="CURATOR_WORKSPACE", help="Workspace folder (default: current directory)."
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    common.set_workspace_root(workspace)


# Every command in the order `curator --help` lists them; each module holds its command's function.
COMMANDS = {"init": init_cmd.init, "sample": sample_cmd.sample, "import": import_cmd.import_, "collect": collect_cmd.collect,
            "process": process_cmd.process, "cluster": cluster_cmd.cluster, "manifest": manifest_cmd.manifest_app,
            "review": review_cmd.review, "eval": eval_cmd.eval_, "generate": generate_cmd.generate,
            "export": export_cmd.export, "train": train_cmd.train, "run": run_cmd.run}
for name, command in COMMANDS.items():
    if isinstance(command, typer.Typer):
        app.add_typer(command, name=name)
    else:
        app.command(name)(command)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: user errors are one line on stderr and a non-zero exit, never a traceback."""
    try:
        app(args=argv, prog_name="curator")
    except USER_ERRORS as exc:
        common.err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(getattr(exc, "exit_code", 2))
    except KeyboardInterrupt:
        common.err_console.print("interrupted; run the same command again to resume")
        sys.exit(130)


if __name__ == "__main__":
    main()
