"""The `curator` command line. Each command group lives in its own module and registers here."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.text import Text

from curator import DISTRIBUTION, __version__
from curator.cli import cluster_cmd, collect_cmd, common, eval_cmd, export_cmd, generate_cmd, import_cmd, init_cmd, manifest_cmd, process_cmd, review_cmd, run_cmd, sample_cmd, train_cmd
from curator.errors import USER_ERRORS, describe_os_error

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
    """Console entry point: user errors are one line on stderr and exit code 2, never a traceback.

    Click runs without its standalone mode so that its usage errors, curator's own errors, the
    libraries' errors and the OS's answers about the user's paths (no such file, permission
    denied, disk full) all end here as one line. Anything else is a bug and keeps its traceback
    (so does everything with CURATOR_DEBUG=1).
    """
    from typer._click import exceptions as click_exc  # Typer's bundled Click, whose errors `app` raises

    try:
        code = app(args=argv, prog_name="curator", standalone_mode=False)
    except click_exc.NoArgsIsHelpError as exc:
        print(exc.ctx.get_help() if exc.ctx else "")
        sys.exit(2)
    except click_exc.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
        _fail(exc.format_message() + hint, exc, 2)
    except click_exc.ClickException as exc:
        _fail(exc.format_message(), exc, exc.exit_code)
    except typer.Abort:
        _fail("aborted", None, 1)
    except USER_ERRORS as exc:
        _fail(str(exc), exc, getattr(exc, "exit_code", 2))
    except OSError as exc:
        message = describe_os_error(exc)
        if message is None:
            raise
        _fail(message, exc, 2)
    except MemoryError as exc:
        _fail("out of memory; try fewer workers or a smaller batch", exc, 2)
    except KeyboardInterrupt:
        common.err_console.print("interrupted; run the same command again to resume")
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)  # as Click's standalone mode does: callers see SystemExit


def _fail(message: str, exc: BaseException | None, code: int) -> None:
    if exc is not None and os.environ.get("CURATOR_DEBUG", "") not in ("", "0"):
        raise exc
    # One line, printed as text: a path with [brackets] must not be read as Rich markup.
    line = " ".join(message.split("\n")).strip()
    common.err_console.print(Text.assemble(("error:", "bold red"), " ", line), highlight=False, soft_wrap=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
