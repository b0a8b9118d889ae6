"""The live preview against a real server on a free port: rebuilds, overlay, safety."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import shutil
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import tornado.httpclient
import tornado.websocket
from click.testing import CliRunner

import sitegen.serve.preview
from sitegen.cli import cli
from sitegen.model import Catalog, Problem
from sitegen.serve import PortInUse, Preview
from sitegen.serve.overlay import overlay_html

from .conftest import MIRAGE, NOTES, REPO, annotation, serve_process, wait_for

PAGE = f"/reading-list/papers/{MIRAGE}/"


def fetch(preview: Preview, path: str) -> tuple[int, dict[str, str], str]:
    """GET a raw (unnormalised) path; returns status, headers, body."""
    connection = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        return response.status, dict(response.getheaders()), body
    finally:
        connection.close()


def page_text(preview: Preview, path: str = PAGE) -> str:
    return fetch(preview, path)[2]


@pytest.fixture
def project(make_project: Callable[..., Path]) -> Path:
    """A copy of the sample project served under a base path, with one annotation."""
    root = make_project(
        {"sitegen.yaml": "title: Preview test\nbase_url: /reading-list/\n"}, sample_seeds=True
    )
    shutil.copytree(REPO / "content", root / "content", dirs_exist_ok=True)
    for stray in (root / "content" / "annotations").glob("*"):
        stray.unlink()
    (root / NOTES).write_text(annotation("First-summary"), encoding="utf-8")
    return root


@pytest.fixture
def preview(project: Path) -> Iterator[Preview]:
    """A running preview of the scratch project on a free port."""
    lines: list[str] = []
    server = Preview(project, port=0, debounce=0.2, jobs=1, search=False, echo=lines.append)
    server.start()
    server.lines = lines  # type: ignore[attr-defined]
    yield server
    server.stop()


def test_serves_under_the_base_path_with_the_reload_script(preview: Preview) -> None:
    assert preview.url == f"http://127.0.0.1:{preview.port}/reading-list/"
    status, headers, _ = fetch(preview, "/")
    assert status == 302 and headers["Location"] == "/reading-list/"
    status, _, body = fetch(preview, "/reading-list/")
    assert status == 200
    assert f'<script src="/livereload.js?port={preview.port}"' in body
    assert "First-summary" in page_text(preview)
    status, headers, body = fetch(preview, "/livereload.js")
    assert status == 200 and "LiveReload" in body


def test_editing_an_annotation_updates_the_page(project: Path, preview: Preview) -> None:
    (project / NOTES).write_text(annotation("Zebra-unique-words"), encoding="utf-8")
    wait_for(lambda: "Zebra-unique-words" in page_text(preview))
    lines: list[str] = preview.lines  # type: ignore[attr-defined]
    wait_for(lambda: lines[-1].startswith("content/annotations/notes.yaml changed:"))
    assert preview.rebuilds == 1
    assert lines[-1].endswith(" ms") and "rewritten" in lines[-1]


def test_a_settings_warning_is_shown_while_serving(project: Path) -> None:
    # An unknown key in sitegen.yaml (a typo) is a warning sitegen build prints; the
    # preview prints it too, on its first build and when the file changes.
    settings = project / "sitegen.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "titel: Typo\n", encoding="utf-8")
    lines: list[str] = []
    server = Preview(project, port=0, debounce=0.2, jobs=1, search=False, echo=lines.append)
    server.start()
    try:
        assert any("sitegen.yaml" in line and "titel" in line for line in lines), lines
    finally:
        server.stop()


def test_an_output_deleted_while_serving_comes_back(project: Path, preview: Preview) -> None:
    # Rebuilds trust the check of the outputs made after the build before: a page
    # deleted after that check is back by the rebuild after next.
    missing = project / "_site/404.html"
    missing.unlink()
    for rebuilds, summary in enumerate(("Once-more", "Twice-more"), start=1):
        (project / NOTES).write_text(annotation(summary), encoding="utf-8")
        wait_for(lambda summary=summary: summary in page_text(preview))
        wait_for(lambda rebuilds=rebuilds: preview.rebuilds == rebuilds and not preview.building)
    assert missing.is_file()
    assert fetch(preview, "/reading-list/404.html")[0] == 200


def test_a_burst_of_saves_rebuilds_once(project: Path, preview: Preview) -> None:
    notes = project / NOTES
    for i in range(20):  # about 100 ms of saves, as an editor's autosave might do
        notes.write_text(annotation(f"Burst-{i}"), encoding="utf-8")
        time.sleep(0.005)
    # settled: no rebuild running and no change waiting for one, so none is to come
    wait_for(lambda: "Burst-19" in page_text(preview) and preview.settled)
    assert preview.rebuilds == 1


def test_editor_swap_files_are_ignored_and_rename_saves_count(
    project: Path, preview: Preview
) -> None:
    folder = project / NOTES.parent
    for name in (".notes.yaml.swp", "notes.yaml~", "4913", ".#notes.yaml"):
        (folder / name).write_text("not: [yaml", encoding="utf-8")
    # save by rename, as many editors do: write a temporary file, move it over the original
    temporary = folder / ".notes.yaml.tmp"
    temporary.write_text(annotation("Renamed-into-place"), encoding="utf-8")
    os.replace(temporary, folder / "notes.yaml")
    wait_for(lambda: "Renamed-into-place" in page_text(preview) and preview.settled)
    # one rebuild, for the saved file alone: had a swap file been noted, it would have
    # made a rebuild of its own or been named with the save
    assert preview.rebuilds == 1
    lines: list[str] = preview.lines  # type: ignore[attr-defined]
    assert lines[-1].startswith("content/annotations/notes.yaml changed:")


def test_a_broken_input_shows_the_overlay_over_the_last_good_site(
    project: Path, preview: Preview
) -> None:
    (project / NOTES).write_text(annotation("Zebra-unique-words"), encoding="utf-8")
    wait_for(lambda: "Zebra-unique-words" in page_text(preview))

    (project / NOTES).write_text(
        annotation("Zebra-unique-words") + "  tags: [oops\n", encoding="utf-8"
    )
    wait_for(lambda: "sitegen-error-overlay" in page_text(preview))
    body = page_text(preview)  # a fresh load shows the overlay too
    assert 'role="alert"' in body
    assert "content/annotations/notes.yaml:" in body
    assert "Zebra-unique-words" in body  # the last good page stays served
    assert ">Dismiss</button>" in body
    status, _, home = fetch(preview, "/reading-list/topics/")
    assert status == 200 and "sitegen-error-overlay" in home

    # problem messages are untrusted text: they are escaped
    (project / NOTES).write_text(
        annotation("Zebra-unique-words") + '"<img src=x onerror=alert(1)>":\n  status: read\n',
        encoding="utf-8",
    )
    wait_for(lambda: "unknown paper key" in page_text(preview))
    body = page_text(preview)
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "<img src=x" not in body

    (project / NOTES).write_text(annotation("Fixed-summary"), encoding="utf-8")
    wait_for(lambda: "sitegen-error-overlay" not in page_text(preview))
    assert "Fixed-summary" in page_text(preview)
    assert preview.site is not None and not preview.site.problems


def test_a_template_error_names_the_template(project: Path, preview: Preview) -> None:
    (project / "templates").mkdir()
    (project / "templates" / "paper.html").write_text(
        '{% extends "base.html" %}\n{% block content %}\n'
        "{{ nothing_here.at_all }}\n{% endblock %}\n",
        encoding="utf-8",
    )
    wait_for(lambda: "sitegen-error-overlay" in page_text(preview))
    assert "templates/paper.html:3" in page_text(preview)
    (project / "templates" / "paper.html").unlink()
    wait_for(lambda: "sitegen-error-overlay" not in page_text(preview))


def test_css_changes_are_swapped_without_a_page_reload(project: Path, preview: Preview) -> None:
    """Over the LiveReload protocol: a stylesheet path for CSS, a page reload otherwise."""
    theme_css = REPO / "static" / "css" / "site.css"
    messages: list[dict[str, object]] = []

    async def listen() -> None:
        socket_ = await tornado.websocket.websocket_connect(
            f"ws://127.0.0.1:{preview.port}/livereload"
        )
        try:
            socket_.write_message(json.dumps({"command": "hello", "protocols": []}))
            hello = json.loads(str(await socket_.read_message()))
            assert hello["command"] == "hello"
            (project / "static" / "css").mkdir(parents=True)
            (project / "static" / "css" / "site.css").write_text(
                theme_css.read_text(encoding="utf-8") + "\nbody { outline: 1px solid red; }\n",
                encoding="utf-8",
            )
            messages.append(json.loads(str(await asyncio.wait_for(socket_.read_message(), 15))))
            (project / NOTES).write_text(annotation("After-css"), encoding="utf-8")
            messages.append(json.loads(str(await asyncio.wait_for(socket_.read_message(), 15))))
        finally:
            # Wait for the closing handshake: a socket left open until the loop ends is
            # reported (ResourceWarning) in whichever test runs next.
            socket_.close()
            while await asyncio.wait_for(socket_.read_message(), 5) is not None:
                pass

    asyncio.run(listen())
    assert messages[0] == {
        "command": "reload",
        "path": "/reading-list/static/css/site.css",
        "liveCSS": True,
    }
    assert messages[1]["command"] == "reload" and messages[1]["liveCSS"] is False
    assert "outline: 1px solid red" in page_text(preview, "/reading-list/static/css/site.css")


def test_build_output_never_contains_the_reload_script(project: Path, preview: Preview) -> None:
    assert "livereload.js" in page_text(preview)  # served pages have it ...
    (project / NOTES).write_text(annotation("Rebuilt"), encoding="utf-8")
    wait_for(lambda: "Rebuilt" in page_text(preview))
    output = project / "_site"

    def scripted() -> list[Path]:
        return [p for p in output.rglob("*.html") if "livereload" in p.read_text("utf-8")]

    assert len(list(output.rglob("*.html"))) > 100
    assert scripted() == []  # ... the files on disk never do
    preview.stop()
    result = CliRunner().invoke(cli, ["-C", str(project), "build"])
    assert result.exit_code == 0, result.output
    assert scripted() == []


def test_only_files_inside_the_output_folder_are_served(project: Path, preview: Preview) -> None:
    secret = project / "secret.txt"
    secret.write_text("top-secret-value", encoding="utf-8")
    (project / "_site" / "leak.txt").symlink_to(secret)
    (project / "_site" / "leakdir").symlink_to(project)
    for path in (
        "/reading-list/../secret.txt",
        "/reading-list/%2e%2e/secret.txt",
        "/reading-list/%2E%2E%2Fsecret.txt",
        "/reading-list/..%2f..%2f..%2fetc%2fpasswd",
        "/reading-list/static/%2e%2e/%2e%2e/secret.txt",
        "/reading-list/leak.txt",
        "/reading-list/leakdir/secret.txt",
        "/reading-list/..\\secret.txt",
        "/../secret.txt",
        "/secret.txt",
        "/reading-list/.sitegen",
    ):
        status, _, body = fetch(preview, path)
        assert status in (403, 404), path
        assert "top-secret-value" not in body and "root:" not in body, path


def test_a_port_in_use_is_reported(project: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["-C", str(project), "serve", "--port", str(port)])
        assert result.exit_code == 1
        assert f"error: port {port} is in use; try --port 0" in result.output
        with pytest.raises(PortInUse):
            Preview(project, port=port).start()
    assert not (project / "_site").exists()  # refused before building


def test_stop_ends_every_thread(project: Path) -> None:
    before = set(threading.enumerate())
    server = Preview(project, port=0, search=False, echo=lambda line: None)
    server.start()
    server.stop()
    wait_for(lambda: set(threading.enumerate()) <= before, timeout=5)
    with pytest.raises(ConnectionRefusedError):
        fetch(server, "/reading-list/")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_stops_the_command_cleanly(project: Path, stop: signal.Signals) -> None:
    process = serve_process(project)
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("serving http://127.0.0.1:"):
                break
        else:
            pytest.fail("the server did not print its URL")
        assert line.split()[1].endswith("/reading-list/")
        process.send_signal(stop)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr


def test_search_indexing_runs_after_the_reload_without_blocking_it(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    indexed: list[str] = []  # Mirage's summary as each index run received it
    release = threading.Event()

    def index_preview(catalog: Catalog, *_: object) -> None:
        (mirage,) = [paper for paper in catalog.papers if paper.key == MIRAGE]
        indexed.append(mirage.summary or "")
        release.wait(20)

    monkeypatch.setattr(sitegen.serve.preview, "index_preview", index_preview)
    server = Preview(project, port=0, echo=lambda line: None)
    server.start()
    try:
        wait_for(lambda: len(indexed) == 1)  # the first index is still running
        (project / NOTES).write_text(annotation("Indexed-later"), encoding="utf-8")
        wait_for(lambda: "Indexed-later" in page_text(server))
        assert server.rebuilds == 1 and len(indexed) == 1
    finally:
        release.set()
        wait_for(lambda: len(indexed) == 2)
        server.stop()
    assert "Indexed-later" not in indexed[0] and "Indexed-later" in indexed[1]


def _get(port: int, path: str, host: str | None = None) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_host=host is not None)
        if host is not None:
            connection.putheader("Host", host)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_a_save_made_during_the_first_build_is_shown(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sitegen.serve.preview

    build = sitegen.serve.preview.build_site
    saved: list[bool] = []

    def save_after_reading(*args: Any, **kwargs: Any) -> Any:
        result = build(*args, **kwargs)
        if not saved:  # the first build has read the inputs; the reader saves now
            saved.append(True)
            (project / NOTES).write_text(annotation("Saved-while-building"), encoding="utf-8")
        return result

    monkeypatch.setattr(sitegen.serve.preview, "build_site", save_after_reading)
    server = Preview(project, port=0, jobs=1, search=False, echo=lambda line: None)
    server.start()
    try:
        wait_for(lambda: "Saved-while-building" in page_text(server))
    finally:
        server.stop()


def test_a_save_made_as_soon_as_the_home_page_answers_is_shown(project: Path) -> None:
    process = serve_process(project)
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("serving http://127.0.0.1:"):
                break
        port = int(line.split(":")[2].split("/")[0])
        assert _get(port, "/reading-list/")[0] == 200
        (project / NOTES).write_text(annotation("Saved-at-once"), encoding="utf-8")
        page = f"/reading-list/papers/{MIRAGE}/"
        wait_for(lambda: b"Saved-at-once" in _get(port, page)[2], timeout=60)
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("evil.example", 403),
        ("evil.example:{port}", 403),
        ("127.0.0.1.evil.example", 403),
        ("localhost:{port}", 200),
        ("127.0.0.1:{port}", 200),
        ("127.0.0.2", 200),
        ("[::1]:{port}", 200),
    ],
)
def test_only_loopback_hosts_are_answered(preview: Preview, host: str, status: int) -> None:
    for path in ("/reading-list/", "/livereload.js"):
        answer, _, body = _get(preview.port, path, host.format(port=preview.port))
        assert answer == status
        if status == 403:
            assert b"is not allowed" in body and b"<html" not in body


def test_the_reload_socket_refuses_other_hosts(preview: Preview) -> None:
    async def connect() -> None:
        request = tornado.httpclient.HTTPRequest(
            f"ws://127.0.0.1:{preview.port}/livereload",
            headers={"Host": "evil.example", "Origin": "http://evil.example"},
        )
        await tornado.websocket.websocket_connect(request)

    with pytest.raises(tornado.httpclient.HTTPClientError) as refused:
        asyncio.run(connect())
    assert refused.value.code == 403


def test_hostile_requests_are_answered_without_a_traceback(
    preview: Preview, caplog: pytest.LogCaptureFixture
) -> None:
    status, _, _ = _get(preview.port, "/reading-list/" + "a" * 300 + "/")
    assert status == 404
    status, _, _ = _get(preview.port, "/reading-list/papers/" + "%C3%A9" * 200)  # é, 400 bytes
    assert status == 404

    async def nested() -> str:
        socket_ = await tornado.websocket.websocket_connect(
            f"ws://127.0.0.1:{preview.port}/livereload"
        )
        try:
            socket_.write_message("[" * 30_000 + "]" * 30_000)  # 60 kB, under the limit
            socket_.write_message(json.dumps({"command": "hello", "protocols": []}))
            return str(await asyncio.wait_for(socket_.read_message(), 15))
        finally:
            socket_.close()
            while await asyncio.wait_for(socket_.read_message(), 5) is not None:
                pass

    assert json.loads(asyncio.run(nested()))["command"] == "hello"  # still answering
    assert [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")] == []


def test_idle_connections_are_closed(project: Path) -> None:
    server = Preview(project, port=0, jobs=1, search=False, echo=print, idle_seconds=1)
    server.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as idle:
            assert idle.recv(1) == b""  # closed by the server, long before the 30 s
    finally:
        server.stop()


def test_pages_stay_whole_under_load_while_an_annotation_is_saved(
    project: Path, preview: Preview
) -> None:
    pages = ["/reading-list/", f"/reading-list/papers/{MIRAGE}/", "/reading-list/papers.json"]
    answers: list[tuple[int, int, int]] = []
    saving = threading.Event()
    saving.set()

    def reader(number: int) -> None:
        done = 0
        while saving.is_set() or done < 10:
            status, headers, body = _get(preview.port, pages[(number + done) % len(pages)])
            answers.append((status, int(headers.get("Content-Length", -1)), len(body)))
            done += 1

    readers = [threading.Thread(target=reader, args=(n,)) for n in range(10)]
    for thread in readers:
        thread.start()
    try:
        for number in range(20):
            (project / NOTES).write_text(annotation(f"Load-{number}"), encoding="utf-8")
            wait_for(lambda number=number: f"Load-{number}" in page_text(preview), timeout=60)
    finally:
        saving.clear()
        for thread in readers:
            thread.join(120)
    assert len(answers) >= 100
    assert all(status == 200 and length == size for status, length, size in answers), [
        a for a in answers if a[0] != 200 or a[1] != a[2]
    ][:5]


def test_the_error_overlay_names_the_page_a_template_failed_on() -> None:
    broken = Problem(
        "templates/paper.html", 3, "'nosuch' is undefined", pages=("papers/a/", "papers/b/")
    )
    assert (
        "templates/paper.html:3</code>: while rendering /papers/a/ (and 1 other page): "
        "&#x27;nosuch&#x27; is undefined"
    ) in overlay_html([broken])
