"""A client of ``pagefind --service``: Pagefind's indexer driven over stdin and stdout.

The protocol is the one the ``pagefind`` Python package speaks: each request is
a JSON object ``{"message_id": n, "payload": {...}}``, base64-encoded and
followed by a comma; each response comes back the same way, carrying the id of
its request. The package's own client (``pagefind.service.PagefindService``,
1.5.2) sleeps 0.1 s before reading each response, so indexing 10,000 records
through it takes 17 minutes; this client writes requests as fast as the
service takes them (they are pipelined: the service answers in order, and a
thread reads the answers meanwhile so neither side's pipe fills up) and
collects the answers as they come.
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from sitegen.locks import process_state

STALL_SECONDS = 30.0
"""A Pagefind that has requests to answer and neither answers nor uses any CPU time
for this long is stuck (stopped, or waiting for something that never comes): it is
killed and the build fails saying so, rather than wait for ever."""


class PagefindError(Exception):
    """Pagefind is missing or failed; the message says what it printed."""


def pagefind_binary() -> Path:
    """The Pagefind binary, looked for where the ``pagefind`` package's
    ``get_executable`` looks (not imported: it imports asyncio, 40-60 ms of each build):
    ``PAGEFIND_BINARY_PATH``, the ``pagefind_bin_extended`` or ``pagefind_bin`` wheel,
    ``pagefind_extended`` or ``pagefind`` on the ``PATH``; ``PagefindError`` if none."""
    found: str | Path | None = os.environ.get("PAGEFIND_BINARY_PATH")
    for wheel in ("pagefind_bin_extended", "pagefind_bin"):
        if found is None:
            with contextlib.suppress(ImportError):
                found = importlib.import_module(wheel).get_executable()
    found = found or shutil.which("pagefind_extended") or shutil.which("pagefind")
    if found is None:
        raise PagefindError(
            "Pagefind is not installed; install it with: pip install 'pagefind[bin]'"
        )
    binary = Path(found)
    if not binary.is_file():
        raise PagefindError(f"no Pagefind binary at {binary}")
    return binary


def _utf8_environment() -> dict[str, str]:
    """The environment without the variables that are not UTF-8 (``PWD`` in a folder
    whose name is not): Pagefind panics on reading them."""
    found = {}
    for name, value in os.environ.items():
        try:
            (name + value).encode("utf-8")
        except UnicodeEncodeError:
            continue
        found[name] = value
    return found


class PagefindService:
    """One running ``pagefind --service`` process; use as a context manager.

    ``add_file`` only sends its request; ``wait`` returns once every request sent
    so far is answered, and raises ``PagefindError`` if one failed.
    """

    def __init__(self) -> None:
        # what it prints on stderr, for errors; closed by close()
        self._log = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            self._process = subprocess.Popen(
                [str(pagefind_binary()), "--service"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._log,
                env={**_utf8_environment(), "NO_COLOR": "1"},
                cwd=os.path.abspath(os.sep),  # not the project: its name may not be UTF-8
            )
        except OSError as exc:
            self._log.close()
            raise PagefindError(
                f"cannot run Pagefind ({exc}); install it with: pip install 'pagefind[bin]'"
            ) from exc
        self._sent = 0
        self._answered = 0
        self._answers: dict[int, dict[str, Any]] = {}
        self._errors: list[str] = []
        self._done = threading.Condition()
        self._stalled = False
        self._closed = threading.Event()
        self._reader = threading.Thread(target=self._read, name="pagefind-service", daemon=True)
        self._reader.start()
        self._watch = threading.Thread(target=self._watchdog, name="pagefind-watch", daemon=True)
        self._watch.start()

    def __enter__(self) -> PagefindService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, payload: Mapping[str, Any]) -> int:
        self._sent += 1
        message = json.dumps({"message_id": self._sent, "payload": payload})
        stdin = self._process.stdin
        assert stdin is not None
        try:
            stdin.write(base64.b64encode(message.encode()) + b",")
        except (BrokenPipeError, ValueError) as exc:
            raise PagefindError(f"the Pagefind service stopped: {self._failure()}") from exc
        return self._sent

    def _read(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        for chunk in _messages(stdout):
            try:
                answer = json.loads(base64.b64decode(chunk))
            except ValueError:
                continue  # not a message (the service prints nothing else, but be safe)
            payload = answer.get("payload") or {}
            with self._done:
                if payload.get("type") == "Error":
                    self._errors.append(str(payload.get("message", "unknown error")))
                number = answer.get("message_id")
                if isinstance(number, int):
                    self._answers[number] = payload
                self._answered += 1
                self._done.notify_all()
        with self._done:
            self._answered = -1  # end of output: no more answers
            self._done.notify_all()

    def _watchdog(self) -> None:
        """Kill the service if it owes answers and shows no sign of work for
        ``STALL_SECONDS``: a write to a service that stopped reading would block for
        ever, and so would waiting for its answer. Work is an answer, or CPU time."""
        seen: tuple[int, int | None] = (-2, None)
        since = time.monotonic()
        while not self._closed.wait(min(1.0, STALL_SECONDS / 4)):
            with self._done:
                answered = self._answered
            if answered < 0 or self._process.poll() is not None:
                return
            state = process_state(self._process.pid)
            if state is None:  # no /proc (macOS): a long shard could not be told from a hang
                return
            now = (answered, state[1])
            if now != seen or self._sent <= answered:  # working, or owing nothing
                seen, since = now, time.monotonic()
            elif time.monotonic() - since > STALL_SECONDS:
                self._process.kill()  # a write to it fails now
                with self._done:
                    self._stalled = True
                    self._done.notify_all()
                return

    def _failure(self) -> str:
        if self._stalled:
            return (
                f"it stopped answering (no answer and no work for {STALL_SECONDS:g} s) "
                "and was ended; build again"
            )
        if self._errors:
            return "; ".join(dict.fromkeys(self._errors))
        self._log.seek(0)
        lines = self._log.read().decode("utf-8", "replace").splitlines()
        lines = [line.strip() for line in lines if line.strip()]
        errors = [line for line in lines if line.lower().startswith("error")] or lines[-3:]
        return "; ".join(dict.fromkeys(errors)) or "it stopped"

    def _wait_for(self, number: int) -> dict[str, Any]:
        stdin = self._process.stdin
        assert stdin is not None
        with contextlib.suppress(BrokenPipeError, ValueError):
            stdin.flush()  # if it stopped, the reader sees the end of its output
        with self._done:
            self._done.wait_for(
                lambda: number in self._answers or self._answered < 0 or self._stalled
            )
            answer = self._answers.pop(number, None)
        if self._errors or answer is None:
            if answer is None:  # it stopped: let it finish printing why
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._process.wait(timeout=5)
            raise PagefindError(f"Pagefind could not index: {self._failure()}")
        return answer

    def new_index(self, language: str) -> int:
        """Create an empty index whose pages are all in ``language``; its id."""
        config = {"force_language": language}
        number = self._send({"type": "NewIndex", "config": config})
        answer = self._wait_for(number)
        return int(answer["index_id"])

    def add_file(self, index: int, url: str, html: str) -> None:
        """Queue an HTML document for the index, at ``url`` (``data-pagefind-*`` read)."""
        self._send(
            {
                "type": "AddFile",
                "index_id": index,
                "url": url,
                "file_path": None,
                "file_contents": html,
            }
        )

    def get_files(self, index: int) -> dict[str, bytes]:
        """Wait for every queued document; the index's bundle, by path within it.

        Not ``WriteFiles``: Pagefind 1.5.2 answers that before its last file is
        written (``pagefind-entry.json`` was sometimes still empty when read).
        """
        answer = self._wait_for(self._send({"type": "GetFiles", "index_id": index}))
        self._answers.clear()
        return {file["path"]: base64.b64decode(file["content"]) for file in answer["files"]}

    def delete_index(self, index: int) -> None:
        """Free the service's memory of an index (its written files stay)."""
        self._wait_for(self._send({"type": "DeleteIndex", "index_id": index}))

    def close(self) -> None:
        """Stop the service."""
        self._closed.set()
        try:
            if self._process.stdin is not None:
                self._process.stdin.close()
        except OSError:
            pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._reader.join(timeout=10)
        self._watch.join(timeout=10)
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._log.close()


def _messages(stream: IO[bytes]) -> Iterator[bytes]:
    """The comma-terminated messages on ``stream``, until it ends."""
    pending: list[bytes] = []  # a message's pieces: a bundle's files come as megabytes
    while chunk := stream.read1(1 << 16):  # type: ignore[attr-defined]
        *complete, rest = chunk.split(b",")
        for piece in complete:
            message = b"".join([*pending, piece])
            pending.clear()
            if message:
                yield message
        if rest:
            pending.append(rest)
