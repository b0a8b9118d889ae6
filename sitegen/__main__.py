"""The ``sitegen`` command (``python -m sitegen`` and the console script): runs the
command-line interface (``sitegen.cli``) and ends the process."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import click

from sitegen.cli import cli


def main() -> None:
    """Console-script entry point: no traceback for internal errors unless ``--debug``."""
    debug = "--debug" in sys.argv[1:]
    try:
        cli.main(standalone_mode=True)
    except SystemExit as exc:
        _leave(exc)
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        if debug:
            raise
        click.echo(f"sitegen: internal error: {exc!r} (run with --debug for a traceback)", err=True)
        sys.exit(1)


def _leave(done: SystemExit) -> NoReturn:
    """End the process as a finished command asks. When nothing else runs (no other
    thread, no child process), at once: the interpreter's teardown of what a build
    loaded (millions of objects at 10,000 papers) took 0.2-0.3 s after the build ended.
    Every file a command writes is closed (and renamed into place) before it returns."""
    import multiprocessing
    import threading

    code = done.code
    status = code if isinstance(code, int) else 0 if code is None else 1
    if isinstance(code, str):
        click.echo(code, err=True)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: let Python report it as it would
        raise done from None
    if threading.active_count() == 1 and not multiprocessing.active_children():
        os._exit(status)
    raise done


if __name__ == "__main__":
    main()
