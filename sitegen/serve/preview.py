"""``Preview``: build, serve, watch and rebuild one project, and tell browsers to reload.

``start()`` binds the port and builds before anything is served; a server
thread runs Tornado's loop, watchdog reports edits, and a rebuild thread
waits for a quiet moment (``DEBOUNCE``) before an incremental build. A failed
build keeps the last good site served with the error overlay; a good one
sends LiveReload commands (stylesheets alone are swapped in place) and then, in
the background, checks the outputs for the next build and updates the search index.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import click
import tornado.httpserver
import tornado.websocket

from sitegen.build import BuildMemory, BuildResult, OutputRefused, build_site, check_outputs
from sitegen.model import InputError, Problem, Severity
from sitegen.search.records import RecordMemory
from sitegen.serve.http import IDLE_SECONDS, ServedSite, application, listen
from sitegen.serve.indexing import index_preview
from sitegen.serve.watch import (
    DEBOUNCE,
    Watcher,
    changed_since,
    is_editor_temp,
    snapshot,
)
from sitegen.settings import INPUT_FOLDERS, SETTINGS_FILE, Settings, load_settings
from sitegen.sources import printable
from sitegen.sources.folders import LINKED_INPUT


class Preview:
    """A preview server for one project; ``start()`` returns its URL, ``stop()`` ends it."""

    def __init__(
        self,
        root: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        debounce: float = DEBOUNCE,
        jobs: int | None = None,
        search: bool = True,
        echo: Callable[[str], None] = click.echo,
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        self.root = root.resolve()
        self.host = host
        self.port = port
        self.debounce = debounce
        self.jobs = jobs
        self.search = search
        """Update the search indexes after each build (in the background)."""
        self.echo = echo
        self.idle_seconds = idle_seconds
        """An HTTP connection that sends nothing for this long is closed."""
        self.rebuilds = 0
        """Rebuilds since ``start()``, failed ones too."""
        self.site: ServedSite | None = None
        """What is being served; None before the first build."""
        self.browsers: set[tornado.websocket.WebSocketHandler] = set()
        """Open LiveReload connections (touched only on the server's event loop)."""
        self.handshakes = 0
        """LiveReload handshakes so far: every page load with the script makes one."""
        self._sockets: list[socket.socket] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._http: tornado.httpserver.HTTPServer | None = None
        self._watcher = Watcher(self.root, self.changed)
        self._threads: list[threading.Thread] = []
        self._changes: set[str] = set()
        self.memory = BuildMemory.for_project(self.root)
        """What each rebuild reuses of the ones before (``sitegen.build.BuildMemory``)."""
        self._first_change = self._last_change = 0.0
        self._wake = threading.Condition()
        self._idle = threading.Event()
        self._stopping = threading.Event()
        self._indexer: ThreadPoolExecutor | None = None
        self._records: RecordMemory = {}  # the search records the last index run made
        self._warnings: tuple[Problem, ...] = ()
        self._checker: threading.Thread | None = None
        """Checks the outputs between builds (``check_outputs``); joined before the next."""
        self._writing = threading.Lock()
        """Held while a rebuild or the search index writes into the output."""

    # ---- lifecycle -------------------------------------------------------

    def start(self) -> str:
        """Bind, watch, build, then serve in background threads; return the site URL.

        Watching starts before the first build, and the inputs' sizes and times are
        compared before and after it, so an edit saved during the first build (30 s
        at 10,000 papers) or just after the server first answers is never missed.
        """
        self._sockets = [listen(self.host, self.port)]
        self.port = self._sockets[0].getsockname()[1]
        self._idle.set()
        try:
            self._watcher.start()
            before = snapshot(self.root)
            self._build(changed=[], initial=True)
            for name in changed_since(before, snapshot(self.root)):
                self.changed(str(self.root / name))
        except BaseException:
            self._watcher.stop()
            for sock in self._sockets:
                sock.close()
            raise
        ready = threading.Event()
        self._spawn(self._serve, ready)
        ready.wait(10)
        self._spawn(self._rebuild_loop)
        return self.url

    @property
    def url(self) -> str:
        """Where the site is served."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        base = self.site.base_path if self.site else "/"
        return f"http://{host}:{self.port}{base}"

    def stop(self) -> None:
        """Stop watching and serving; waits for a running build to finish."""
        self._stopping.set()
        self._idle.set()
        with self._wake:
            self._wake.notify_all()
        self._watcher.stop()
        if self._loop is not None and self._loop.is_running():
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
        for thread in self._threads:
            thread.join(10)
        if self._indexer is not None:
            self._indexer.shutdown(wait=True, cancel_futures=True)
        for sock in self._sockets:
            sock.close()

    @property
    def building(self) -> bool:
        """Whether a rebuild is running (the output folder may be mid-swap)."""
        return not self._idle.is_set()

    @property
    def settled(self) -> bool:
        """No rebuild running and no noted edit waiting for one."""
        with self._wake:
            return self._idle.is_set() and not self._changes

    def wait(self) -> None:
        """Block until ``stop()`` (Ctrl-C reaches the caller between checks)."""
        while not self._stopping.wait(0.5):
            pass

    def _spawn(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(
            target=target, args=args, daemon=True, name=f"sitegen-{target.__name__}"
        )
        self._threads.append(thread)
        thread.start()

    # ---- building --------------------------------------------------------

    def _build(self, changed: Sequence[str], *, initial: bool = False) -> None:
        start = time.perf_counter()
        if self._checker is not None:
            self._checker.join()
        settings, problems = load_settings(self.root)
        previous = self.site
        try:
            errors = [p for p in problems if p.severity is Severity.ERROR]
            if errors:
                raise InputError(errors)
            with self._writing:
                result = build_site(
                    settings, jobs=self.jobs, index_search=False, memory=self.memory
                )
        except InputError as exc:
            self._failed(settings, exc.problems, changed, initial)
            return
        except OutputRefused as exc:
            if initial:
                raise
            self._failed(settings, [Problem(SETTINGS_FILE, None, str(exc))], changed, initial)
            return
        except Exception as exc:  # an internal error must not take the server down
            self._failed(
                settings, [Problem("sitegen", None, f"internal error: {exc!r}")], changed, initial
            )
            return
        self.site = ServedSite(settings.output_path, settings.base_path)
        ms = (time.perf_counter() - start) * 1000
        if initial:
            self.echo(result.summary())
        else:
            self.echo(
                f"{_names(changed)} changed: {len(result.written)} rewritten, "
                f"{len(result.removed)} removed in {ms:.0f} ms"
            )
        self._report_warnings([*problems, *result.problems])  # sitegen.yaml's too
        if not initial:
            self._reload(result, recovered=previous is not None and bool(previous.problems))
        self._checker = threading.Thread(
            target=check_outputs, args=(settings, self.memory), name="sitegen-check", daemon=True
        )
        self._checker.start()
        self._index(result, settings)

    def _failed(
        self, settings: Settings, problems: Sequence[Problem], changed: Sequence[str], initial: bool
    ) -> None:
        good = self.site or ServedSite(settings.output_path, settings.base_path)
        before = good.problems
        self.site = ServedSite(good.output, good.base_path, tuple(problems))
        what = "initial build" if initial else f"{_names(changed)} changed"
        self.echo(f"{what}: build failed, {len(problems)} problem(s); serving the last good site")
        for problem in problems:
            self.echo(str(problem))
        if not initial and tuple(problems) != before:
            self._send([{"command": "reload", "path": good.base_path, "liveCSS": False}])

    def _report_warnings(self, problems: Iterable[Problem]) -> None:
        warnings = tuple(problems)
        if warnings != self._warnings:
            for problem in warnings:
                self.echo(str(problem))
        self._warnings = warnings

    def _reload(self, result: BuildResult, *, recovered: bool) -> None:
        """Tell browsers what changed: stylesheets alone are swapped in place."""
        assert self.site is not None
        changed = result.written + result.removed
        if not changed and not recovered:
            return
        base = self.site.base_path
        if not recovered and not result.removed and all(n.endswith(".css") for n in changed):
            self._send([{"command": "reload", "path": base + n, "liveCSS": True} for n in changed])
        else:
            self._send([{"command": "reload", "path": base, "liveCSS": False}])

    def _index(self, result: BuildResult, settings: Settings) -> None:
        """Update the search index in the background, after browsers were told to reload."""
        if not self.search:
            return
        if self._indexer is None:
            self._indexer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sitegen-index")

        def run() -> None:
            try:
                index_preview(
                    result.catalog, settings, self._records, self._writing, self._stopping
                )
            except Exception as exc:  # the site is served either way; say why search lags
                self.echo(f"search index not updated: {exc}")

        self._indexer.submit(run)

    # ---- watching --------------------------------------------------------

    def changed(self, path: str) -> None:
        """Note a changed input file; the rebuild waits for a quiet moment."""
        where = Path(os.path.normpath(path))  # as watched: in a linked folder, its link's
        try:  # else the folder resolved, not the file: it may be a symlink loop, or deleted
            if not where.is_relative_to(self.root):
                where = Path(path).parent.resolve() / Path(path).name
            relative = where.relative_to(self.root)
        except (ValueError, OSError, RuntimeError):
            return
        site = self.site
        if site is not None and where.is_relative_to(site.output):
            return
        parts = relative.parts
        if not parts or is_editor_temp(parts[-1]):
            return
        if parts[0] not in INPUT_FOLDERS and relative.as_posix() != SETTINGS_FILE:
            return
        if len(parts) == 1 and parts[0] in INPUT_FOLDERS:
            self._watcher.watch_folder(parts[0])  # created or replaced: watch the new folder
        if parts[0] == LINKED_INPUT and (where.is_symlink() or not where.is_file()):
            self._watcher.watch_links()  # a link or folder came or went
        with self._wake:
            now = time.monotonic()
            if not self._changes:
                self._first_change = now
            self._changes.add(relative.as_posix())
            self._last_change = now
            self._wake.notify_all()

    def output_missing(self) -> None:
        """A request found no output folder (deleted by hand): build it again, as after
        an edit, rather than answer 404 until the next one."""
        site = self.site
        if site is None or site.output.is_dir():
            return
        with self._wake:
            if not self._changes:
                self._first_change = time.monotonic()
            self._changes.add(site.output.name)
            self._last_change = time.monotonic()
            self._wake.notify_all()

    def _rebuild_loop(self) -> None:
        while not self._stopping.is_set():
            with self._wake:
                while not self._changes and not self._stopping.is_set():
                    self._wake.wait()
                # debounce: wait for quiet, but never hold a rebuild back for long
                while not self._stopping.is_set():
                    now = time.monotonic()
                    quiet_at = min(self._last_change + self.debounce, self._first_change + 2.0)
                    if now >= quiet_at:
                        break
                    self._wake.wait(quiet_at - now)
                if self._stopping.is_set():
                    return
                changed = sorted(self._changes)
                self._changes.clear()
                self._idle.clear()
            try:
                self.rebuilds += 1
                self._build(changed)
            finally:
                self._idle.set()

    # ---- serving ---------------------------------------------------------

    def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop

        async def setup() -> None:
            self._http = tornado.httpserver.HTTPServer(
                application(self),
                idle_connection_timeout=self.idle_seconds,
                body_timeout=self.idle_seconds,
            )
            self._http.add_sockets(self._sockets)

        loop.run_until_complete(setup())
        ready.set()
        try:
            loop.run_forever()
        finally:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    async def _shutdown(self) -> None:
        for browser in list(self.browsers):
            browser.close()
        if self._http is not None:
            self._http.stop()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._http.close_all_connections(), 2)
        asyncio.get_running_loop().stop()

    def _send(self, messages: list[dict[str, Any]]) -> None:
        """Send LiveReload commands to every connected browser (from any thread)."""
        if self._loop is None or not self._loop.is_running():
            return

        def send() -> None:
            for browser in list(self.browsers):
                for message in messages:
                    try:
                        browser.write_message(json.dumps(message))
                    except tornado.websocket.WebSocketClosedError:
                        self.browsers.discard(browser)

        self._loop.call_soon_threadsafe(send)

    def snippet(self) -> str:
        """The reload script every served HTML page gets."""
        return f'<script src="/livereload.js?port={self.port}" async></script>'


def _names(changed: Sequence[str]) -> str:
    shown = ", ".join(printable(name) for name in changed[:3])
    return shown + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
