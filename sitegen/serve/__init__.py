"""Live preview: build, serve the output, rebuild on change, reload open browsers.

``Preview`` builds into the normal output folder, serves it under the site's base
path, watches the inputs with watchdog and rebuilds incrementally, then tells
browsers to reload over the LiveReload protocol.

Why not livereload's own ``Server``: its ``serve()`` blocks on the process-wide
Tornado loop and keeps its browsers in class attributes (no ``stop()``, no two
servers in one test process), it cannot serve under a base path, it injects only
its script (no error overlay), and its polling watcher drops reloads that come
within three seconds of the last one, so the reload after fixing a typo could be
lost. We use livereload's pieces instead: its browser client (``livereload.js``,
shipped inside the package) and its protocol (version 7: ``hello`` handshake,
``reload`` with a path; a ``.css`` path makes the client swap that stylesheet
without reloading the page), spoken over a Tornado websocket; Tornado is what
livereload itself runs on.

The reload script and the error overlay are added by the server at response
time, never written to disk: the output folder stays byte-identical to what
``sitegen build`` writes (nothing to re-render when switching between the two,
nothing dev-only to deploy by mistake), and while a build error stands every
HTML page served, even a fresh load, shows the overlay over the last good site.

The package: ``preview`` (the ``Preview`` class: build, rebuild, state),
``http`` (socket, path resolution, Tornado handlers, the LiveReload endpoint),
``overlay`` (the error box and its injection into pages) and ``watch`` (which
file events count as edits); ``serve`` below is what ``sitegen serve`` runs.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import webbrowser
from collections.abc import Iterator
from pathlib import Path

import click

from sitegen.build import OutputRefused
from sitegen.serve.http import PortInUse
from sitegen.serve.preview import Preview
from sitegen.settings import INPUT_FOLDERS, SETTINGS_FILE

__all__ = ["PortInUse", "Preview", "serve"]


def serve(root: Path, *, host: str, port: int, open_browser: bool, jobs: int | None = None) -> int:
    """Run a preview until Ctrl-C (or SIGTERM); return the exit code."""
    with _stop_signals():
        return _serve(root, host=host, port=port, open_browser=open_browser, jobs=jobs)


@contextlib.contextmanager
def _stop_signals() -> Iterator[None]:
    """SIGINT and SIGTERM stop the server cleanly (as Ctrl-C does).

    Explicit, because a process started in the background by a non-interactive
    shell, or by a tool, inherits SIGINT ignored (Python then raises no
    ``KeyboardInterrupt``), and SIGTERM (an IDE's stop button, ``kill``) would
    otherwise end it without stopping the watcher and the search index update.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in handlers:
        signal.signal(sig, signal.default_int_handler)
    try:
        yield
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def _serve(root: Path, *, host: str, port: int, open_browser: bool, jobs: int | None) -> int:
    preview = Preview(root, host=host, port=port, jobs=jobs)
    try:
        url = preview.start()
    except PortInUse as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    except OutputRefused as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    except OSError as exc:
        click.echo(f"error: cannot serve on {host}:{port}: {exc.strerror or exc}", err=True)
        return 1
    except KeyboardInterrupt:
        preview.stop()
        return 0
    try:
        click.echo(
            f"serving {url} (watching {', '.join(INPUT_FOLDERS)} and {SETTINGS_FILE}; Ctrl-C stops)"
        )
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        preview.wait()
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        with contextlib.suppress(KeyboardInterrupt):
            preview.stop()
    return 0
