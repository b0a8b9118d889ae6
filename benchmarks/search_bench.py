"""Search benchmark: bytes the browser fetches per query, and ``sitegen search`` latency.

    python benchmarks/search_bench.py [--papers 10000] [--work DIR] [--record benchmarks/RESULTS.md]

Writes a synthetic N-paper project (``benchmarks/make_corpus.py`` when present,
else a small built-in generator), builds it, serves the output on 127.0.0.1 and,
in headless Chromium (the system's ``chromium``), counts the bytes and requests
to open the search page, for a first query and for a second query: with the
index as sitegen shards it, and with the same records in one Pagefind bundle
(the browser's cost before sharding), side by side. It times rewriting the
browser index after one paper's record changed, and what ``sitegen serve``
does after an edit (rebuild, then update its preview index of small shards). Then it times ``sitegen search`` as a user runs
it (a new process each time): cold (no index yet: load the catalogue, index
every paper), warm (index current) and after editing one annotation. Not a
test: figures go to stdout, and with ``--record`` are appended to a results file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import http.server
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
QUERIES = ("diffusion", "robot manipulation")
TERMINAL_QUERY = "video diffusion"


def make_project(papers: int, root: Path) -> None:
    """Write the synthetic project, with make_corpus.py if another benchmark ships it."""
    corpus = HERE / "make_corpus.py"
    if corpus.is_file():
        subprocess.run([sys.executable, str(corpus), str(papers), str(root)], check=True)
        return
    rng = random.Random(1)
    common = "video diffusion robot policy agent language model reward manipulation audio"
    vocabulary = common.split() + [f"term{i}" for i in range(papers // 2)]
    (root / "seeds").mkdir(parents=True)
    (root / "content" / "annotations").mkdir(parents=True)
    lines = [
        f"Abstract:We introduce {' '.join(rng.choices(vocabulary, k=200))} (paper {n}).\n"
        for n in range(papers)
    ]
    (root / "seeds" / "abstracts.txt").write_text("".join(lines))
    (root / "sitegen.yaml").write_text("title: Search benchmark\n")


def sitegen(*args: str) -> tuple[float, str]:
    """Run sitegen in a new process; its wall time and output."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "sitegen", *args], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"sitegen {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return seconds, done.stdout + done.stderr


class CountingHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site and counts what it sends: the browser fetches Pagefind's
    chunks from a web worker, which the page's own network events do not see."""

    sent: ClassVar[list[int]] = []

    def copyfile(self, source: Any, outputfile: Any) -> None:
        start = source.tell()
        super().copyfile(source, outputfile)
        self.sent.append(source.tell() - start)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def browser_figures(site: Path) -> dict[str, Any]:
    """Bytes transferred (and requests) to open /search/, then for each query."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("no chromium binary on PATH")
    handler = functools.partial(CountingHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/search/"
    figures: dict[str, Any] = {}
    args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
    ]
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=args)
            figures["chromium"] = browser.version
            page = browser.new_page()
            sent = CountingHandler.sent

            def measure(label: str) -> None:
                page.wait_for_timeout(500)  # let late requests land
                figures[label] = {"bytes": sum(sent), "requests": len(sent)}
                sent.clear()

            page.goto(url)
            page.wait_for_function(
                "document.getElementById('search-status').textContent.includes('Type')",
                timeout=60_000,
            )
            measure("open")
            for number, query in enumerate(QUERIES, 1):
                start = time.perf_counter()
                page.fill("#search-q", query)
                page.wait_for_function(
                    "q => document.getElementById('search-status').textContent.includes(q)",
                    arg=query,
                    timeout=60_000,
                )
                figures[f"query{number}_ms"] = (time.perf_counter() - start) * 1000
                figures[f"query{number}_status"] = page.inner_text("#search-status")
                measure(f"query{number}")
            browser.close()
    finally:
        server.shutdown()
    return figures


def terminal_figures(project: Path) -> dict[str, Any]:
    """``sitegen search`` wall times: no index, current index, one annotation edited."""
    shutil.rmtree(project / ".sitegen-cache" / "whoosh", ignore_errors=True)
    cold, _ = sitegen("-C", str(project), "search", TERMINAL_QUERY)
    warm = [sitegen("-C", str(project), "search", TERMINAL_QUERY)[0] for _ in range(5)]
    annotation = sorted((project / "content" / "annotations").glob("*.yaml"))
    edited, log = 0.0, "no annotation to edit"
    if annotation:
        text = annotation[0].read_text()
        annotation[0].write_text(text.replace("  summary: ", "  summary: Edited. ", 1))
        edited, log = sitegen("-C", str(project), "-v", "search", TERMINAL_QUERY)
        annotation[0].write_text(text)
        log = next((line for line in log.splitlines() if "search index" in line), "")
    return {"cold": cold, "warm": statistics.median(warm), "edited": edited, "edited_log": log}


def one_bundle_copy(project: Path, site: Path, into: Path) -> tuple[int, float]:
    """A copy of ``site`` (hard links) whose index holds the same records in one
    bundle; the shards of ``site``'s index, and the seconds to rewrite one of them
    after one paper's record changed."""
    import dataclasses

    import sitegen.search.pagefind as pagefind
    from sitegen.catalog import load_catalog
    from sitegen.search.records import SearchRecord, search_records
    from sitegen.settings import load_settings

    def write_index(records: list[SearchRecord], output: Path, language: str) -> None:
        by_key = {record.key: record for record in records}

        def records_of(_: str, keys: Sequence[str]) -> list[SearchRecord]:
            return [by_key[key] for key in keys]

        staged = pagefind.stage_index(by_key, records_of, output, language)
        pagefind.install_index(staged, output)

    settings, _ = load_settings(project)
    catalog = load_catalog(settings.with_overrides(related_count=0))
    records = search_records(catalog, settings.language)
    shutil.rmtree(into, ignore_errors=True)
    shutil.copytree(site, into, copy_function=os.link, ignore=shutil.ignore_patterns("pagefind"))
    shards = pagefind.shard_count(len(records))
    per_shard = pagefind.PAPERS_PER_SHARD
    pagefind.PAPERS_PER_SHARD = len(records)
    try:
        write_index(records, into, settings.language)
    finally:
        pagefind.PAPERS_PER_SHARD = per_shard
    edited = list(records)
    first = edited[0]
    edited[0] = dataclasses.replace(first, html=first.html.replace("<h1", "<p>Edited.</p><h1", 1))
    start = time.perf_counter()
    write_index(edited, site, settings.language)
    seconds = time.perf_counter() - start
    write_index(records, site, settings.language)
    return shards, seconds


def preview_lag(project: Path, site: Path, edits: int = 3) -> dict[str, float]:
    """What ``sitegen serve`` does after an edit, in one warm process: rebuild, then
    update the preview index (small shards); medians of ``edits`` summary edits. Run
    last: ``site``'s index is left in the preview layout."""
    from sitegen.build import BuildMemory, build_site, check_outputs
    from sitegen.search import index_site
    from sitegen.search.records import RecordMemory
    from sitegen.settings import load_settings

    settings, _ = load_settings(project)
    settings = settings.with_overrides(output_dir=str(site))
    annotation = sorted((project / "content" / "annotations").glob("*.yaml"))[0]
    text = annotation.read_text()
    memory = BuildMemory.for_project(project)
    records: RecordMemory = {}
    start = time.perf_counter()
    result = build_site(settings, memory=memory, index_search=False)
    index_site(result.catalog, settings, site, preview=records)
    first = time.perf_counter() - start
    check_outputs(settings, memory)
    rebuild, index = [], []
    try:
        for number in range(edits):
            annotation.write_text(text.replace("  summary: ", f"  summary: Edit {number}. ", 1))
            start = time.perf_counter()
            result = build_site(settings, memory=memory, index_search=False)
            built = time.perf_counter()
            index_site(result.catalog, settings, site, preview=records)
            rebuild.append(built - start)
            index.append(time.perf_counter() - built)
            check_outputs(settings, memory)
    finally:
        annotation.write_text(text)
    return {
        "first": first,
        "rebuild": statistics.median(rebuild),
        "index": statistics.median(index),
        "shards": len(list((site / "pagefind").glob("*/pagefind-entry.json"))),
    }


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def kib(count: int) -> str:
    return f"{count / 1024:,.0f} KiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--record", type=Path, help="append the results to this Markdown file")
    parser.add_argument(
        "--browser-only",
        action="store_true",
        help="measure the build and the browser only (no serve preview, no terminal index)",
    )
    parser.add_argument(
        "--citation-style",
        help="the corpus's citation_style (e.g. ieee: a cold build of 100,000 papers formats "
        "every reference, and the style does not change the index)",
    )
    options = parser.parse_args(argv)

    work = options.work or Path(tempfile.mkdtemp(prefix="sitegen-search-bench-"))
    project = work / "project"
    if not (project / "sitegen.yaml").exists():
        make_project(options.papers, project)
    if options.citation_style:
        with (project / "sitegen.yaml").open("a", encoding="utf-8") as config:
            config.write(f"citation_style: {options.citation_style}\n")
    site = work / "site"
    build_seconds, build_log = sitegen(
        "-C", str(project), "-v", "build", "--clean", "--out", str(site)
    )
    phases = next((line for line in build_log.splitlines() if line.startswith("phases:")), "")
    shards, reindex = one_bundle_copy(project, site, work / "site-one-bundle")
    browser = browser_figures(site)
    single = browser_figures(work / "site-one-bundle")
    preview, terminal = {}, {}
    if not options.browser_only:
        preview = preview_lag(project, site)  # before the terminal index exists: the
        # browser's index is updated first either way, then the terminal's
        terminal = terminal_figures(project)

    def versus(label: str) -> str:
        ours, theirs = browser[label], single[label]
        return (
            f"{kib(ours['bytes'])} in {ours['requests']} requests; one bundle: "
            f"{kib(theirs['bytes'])} in {theirs['requests']} requests "
            f"(x{ours['bytes'] / max(theirs['bytes'], 1):.2f} bytes, "
            f"x{ours['requests'] / max(theirs['requests'], 1):.2f} requests)"
        )

    rows = [
        (
            "`sitegen build --clean` (both indexes included)",
            f"{build_seconds:.1f} s ({phases.removeprefix('phases: ')})",
        ),
        ("Pagefind index on disk", f"{kib(folder_bytes(site / 'pagefind'))}, {shards} shards"),
        ("browser index rewritten after one paper's record changed", f"{reindex:.2f} s"),
        ("open /search/ (page, CSS, JS, Pagefind runtime and WASM, filters)", versus("open")),
        (
            f"first query `{QUERIES[0]}`",
            f"{versus('query1')}; results shown after {browser['query1_ms']:.0f} ms incl. "
            f"200 ms debounce ({browser['query1_status']})",
        ),
        (
            f"second query `{QUERIES[1]}`",
            f"{versus('query2')}; results shown after {browser['query2_ms']:.0f} ms "
            f"({browser['query2_status']})",
        ),
    ]
    rows += (
        []
        if options.browser_only
        else [
            ("Whoosh index on disk", kib(folder_bytes(project / ".sitegen-cache" / "whoosh"))),
            ("`sitegen search` cold (no index: load, index all)", f"{terminal['cold']:.2f} s"),
            ("`sitegen search` warm (median of 5)", f"{terminal['warm']:.2f} s"),
            (
                "`sitegen search` after editing one annotation",
                f"{terminal['edited']:.2f} s ({terminal['edited_log']})",
            ),
            (
                "`sitegen serve`: first build and preview index (small shards)",
                f"{preview['first']:.1f} s, {preview['shards']:.0f} shards",
            ),
            (
                "`sitegen serve`: an edited summary searchable in the browser after (median of 3)",
                f"{preview['rebuild'] + preview['index']:.2f} s (rebuild "
                f"{preview['rebuild']:.2f} s, then one preview shard {preview['index']:.2f} s)",
            ),
        ]
    )
    report = "\n".join(
        [
            f"## Search, {options.papers:,} papers ({dt.date.today().isoformat()})",
            "",
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, Chromium {browser['chromium']}; "
            "`python benchmarks/search_bench.py`.",
            "",
            "| what | figure |",
            "|---|---|",
            *(f"| {what} | {figure} |" for what, figure in rows),
            "",
        ]
    )
    print(report)
    if options.record:
        with options.record.open("a", encoding="utf-8") as results:
            results.write("\n" + report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
