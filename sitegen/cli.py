"""The command-line interface: thin commands over the pipeline.

Exit codes: 0 success, 1 input or build errors (all listed), 2 usage.
Errors print one a line as ``file:line: error: message``; a traceback only with ``--debug``.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from sitegen import DISTRIBUTION, installed_version
from sitegen.model import STATUSES, Problem, Severity
from sitegen.settings import Settings, base_url_problem, load_settings


@dataclass(frozen=True)
class Options:
    """Options shared by every command."""

    project: Path
    debug: bool
    verbose: bool


def report(problems: Iterable[Problem], *, strict: bool = False) -> int:
    """Print problems to stderr; return 1 if any counts as an error, else 0."""
    failed = 0
    for problem in problems:
        click.echo(str(problem), err=True)
        if problem.severity is Severity.ERROR or strict:
            failed = 1
    return failed


def require_project(project: Path) -> None:
    """Exit 1 naming ``project`` when it is not a folder, or holds no project (a typo in
    -C, or the wrong folder: nothing is written there)."""
    if not project.is_dir():
        click.echo(f"error: {project}: {_no_folder(project)}", err=True)
        sys.exit(1)
    from sitegen.catalog import not_a_project

    if (wrong_folder := not_a_project(project)) is not None:
        sys.exit(report([wrong_folder]))


def project_settings(options: Options, *, strict: bool = False) -> Settings:
    """Load ``sitegen.yaml``; exit 1 listing its problems if it is broken (or, when
    ``strict``, if it has warnings: an unknown setting is a typo to fix)."""
    require_project(options.project)
    settings, problems = load_settings(options.project)
    if report(problems, strict=strict):
        sys.exit(1)
    return settings


def print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version``: the distribution's name (what to ``pip install``) and version."""
    if value and not ctx.resilient_parsing:
        click.echo(f"{DISTRIBUTION} {installed_version()}")
        ctx.exit()


class Commands(click.Group):
    """sitegen's commands: an OS error none of them reported itself, or a symlink loop
    met on the way, is still one line naming the path, exit 1 (unless ``--debug``)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (OSError, RuntimeError) as exc:
            said = _path_error(exc)
            if said is None or (isinstance(ctx.obj, Options) and ctx.obj.debug):
                raise
            click.echo(f"error: {said}", err=True)
            ctx.exit(1)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=print_version,
    help="Show the version, and the name to pip install, and exit.",
)
@click.option(
    "--project",
    "-C",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    help="Project folder (default: the current one).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="Print the time of each build phase; check lists each merge of seed entries.",
)
@click.pass_context
def cli(ctx: click.Context, project: Path, debug: bool, verbose: bool) -> None:
    """Build annotated reading lists of research papers into static sites."""
    ctx.obj = Options(project=project, debug=debug, verbose=verbose)


@cli.command()
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.pass_obj
def check(options: Options, strict: bool) -> None:
    """Validate seeds, annotations, topics and lists; write nothing."""
    from sitegen.catalog import load

    settings = project_settings(options, strict=strict)
    loaded = load(settings)
    status = report(loaded.problems, strict=strict)
    if options.verbose:
        for merge, key in loaded.merges:
            click.echo(f"{merge.first} + {merge.second} -> {key} ({merge.reason})")
    if loaded.catalog is not None and not status:
        catalog = loaded.catalog
        unsorted = len(catalog.papers_in_topic("unsorted"))
        click.echo(
            f"ok: {catalog.entry_count} entries, {len(catalog.papers)} papers, "
            f"{len(catalog.topics)} topics ({unsorted} papers unsorted), "
            f"{sum(p.annotated for p in catalog.papers)} annotated, {len(catalog.lists)} lists"
        )
    else:
        errors = sum(1 for p in loaded.problems if p.severity is Severity.ERROR or strict)
        click.echo(f"{errors} problem{'s' if errors != 1 else ''} to fix", err=True)
    sys.exit(status)


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--base-url", help="Where the site is served: /repo/ or https://host/repo/.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--clean", is_flag=True, help="Rebuild everything from scratch.")
@click.option(
    "--jobs", "-j", type=click.IntRange(min=1), help="Render processes (default: all cores)."
)
@click.pass_obj
def build(
    options: Options,
    out: Path | None,
    base_url: str | None,
    strict: bool,
    clean: bool,
    jobs: int | None,
) -> None:
    """Build the site (into output_dir of sitegen.yaml, _site/ by default, or --out)."""
    from sitegen.build import OutputRefused, build_site
    from sitegen.model import InputError, SearchIndexError
    from sitegen.timing import PhaseTimer

    wrong = base_url_problem(base_url) if base_url is not None else None
    if wrong is not None:
        raise click.BadParameter(wrong.removeprefix("base_url "), param_hint="--base-url")
    settings = project_settings(options, strict=strict)
    if out is not None:
        out = out if out.is_absolute() else Path.cwd() / out
    settings = settings.with_overrides(output_dir=str(out) if out else None, base_url=base_url)
    timer = PhaseTimer()
    try:
        result = build_site(
            settings,
            strict=strict,
            clean=clean,
            jobs=jobs,
            timer=timer,
            progress=sys.stderr.isatty(),
        )
    except InputError as exc:
        report(exc.problems)
        click.echo(
            f"build failed: {len(exc.problems)} problem(s); the last good site is untouched",
            err=True,
        )
        sys.exit(1)
    except OutputRefused as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except SearchIndexError as exc:
        click.echo(f"error: search index: {exc}", err=True)
        click.echo("build failed: the pages were written but search may be out of date", err=True)
        sys.exit(1)
    report(result.problems)
    if options.verbose:
        click.echo(f"phases: {timer.summary()}", err=True)
    click.echo(result.summary())


@cli.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to serve on (0 picks a free one).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a browser.")
@click.pass_obj
def serve(options: Options, port: int, host: str, open_browser: bool) -> None:
    """Build, serve, rebuild on change and reload open browsers."""
    from sitegen.serve import serve as run

    require_project(options.project)
    sys.exit(run(options.project, host=host, port=port, open_browser=open_browser))


@cli.command()
@click.argument("key")
@click.option("--status", type=click.Choice(STATUSES, case_sensitive=False), help="Reading status.")
@click.option("--rating", type=click.IntRange(1, 5), help="How much you liked it, 1-5.")
@click.option("--tag", "tags", multiple=True, help="Add a tag (repeat for more).")
@click.option("--note", help="Append a paragraph to the notes.")
@click.option(
    "--file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Annotation file for a new annotation, relative to the project "
    "(default: content/annotations/annotations.yaml).",
)
@click.pass_obj
def annotate(
    options: Options,
    key: str,
    status: str | None,
    rating: int | None,
    tags: tuple[str, ...],
    note: str | None,
    file: Path | None,
) -> None:
    """Create or update KEY's annotation, keeping comments and other fields as they are."""
    from sitegen.annotate import AnnotateError, Change
    from sitegen.annotate import annotate as annotate_paper

    settings = project_settings(options)
    change = Change(
        status=status.lower() if status else None,
        rating=rating,
        tags=tuple(tag.strip() for tag in tags if tag.strip()),
        note=note,
    )
    try:
        outcome = annotate_paper(settings, key, change, file)
    except AnnotateError as exc:
        report(exc.problems)
        if exc.message:
            click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    report(outcome.warnings)
    click.echo(outcome.summary(key, change))


@cli.group()
def topics() -> None:
    """Work on content/topics.yaml."""


@topics.command()
@click.option("--all", "every_paper", is_flag=True, help="Cluster all papers, not just unsorted.")
@click.option("--count", "-n", type=click.IntRange(min=1), help="Number of topics to suggest.")
@click.pass_obj
def suggest(options: Options, every_paper: bool, count: int | None) -> None:
    """Propose topics.yaml entries for papers that fit no topic."""
    from sitegen.catalog import load
    from sitegen.suggest import suggest_text

    loaded = load(project_settings(options))
    if report(loaded.problems) or loaded.catalog is None:
        sys.exit(1)
    click.echo(suggest_text(loaded.catalog, every_paper=every_paper, count=count), nl=False)


@cli.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def init(options: Options, directory: Path | None) -> None:
    """Create a new project in DIRECTORY (default: the project folder)."""
    from sitegen.init import ProjectExists, init_project

    target = directory if directory is not None else options.project
    try:
        created = init_project(target)
    except ProjectExists as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"created {len(created)} files in {target}; next: cd {target} && sitegen build")


@cli.command()
@click.option("--remote", default="origin", show_default=True, help="Git remote to push to.")
@click.option("--branch", default="gh-pages", show_default=True, help="Branch to publish on.")
@click.option("--message", "-m", help="Commit message (default: names the source commit).")
@click.option("--no-build", is_flag=True, help="Publish the last build instead of building.")
@click.pass_obj
def deploy(options: Options, remote: str, branch: str, message: str | None, no_build: bool) -> None:
    """Build the site and publish it as the only content of a git branch."""
    from sitegen.build import OutputRefused
    from sitegen.deploy import DeployError, deploy_site
    from sitegen.model import InputError

    settings = project_settings(options)
    try:
        result = deploy_site(
            settings,
            remote=remote,
            branch=branch,
            message=message,
            build=not no_build,
            progress=sys.stderr.isatty(),
        )
    except InputError as exc:
        report(exc.problems)
        click.echo(f"deploy stopped: {len(exc.problems)} problem(s); nothing pushed", err=True)
        sys.exit(1)
    except (DeployError, OutputRefused) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(result.summary())


@cli.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--topic", metavar="SLUG", help="Only papers in this topic.")
@click.option("--status", type=click.Choice(STATUSES), help="Only papers with this reading status.")
@click.option(
    "--limit", "-n", type=click.IntRange(min=1), default=20, show_default=True, help="Most results."
)
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON.")
@click.pass_obj
def search(
    options: Options,
    query: tuple[str, ...],
    topic: str | None,
    status: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Search the papers from the terminal.

    \b
    Examples:
      sitegen search diffusion policy
      sitegen search 'title:"world model"' --status unread
      sitegen search tag:rlhf topic:alignment
      sitegen search diffusoin~        (fuzzy: one typo allowed)
    """
    from sitegen.search.command import run_search

    settings = project_settings(options)
    sys.exit(
        run_search(
            settings,
            " ".join(query),
            topic=topic,
            status=status,
            limit=limit,
            as_json=as_json,
            verbose=options.verbose,
        )
    )


def _no_folder(project: Path) -> str:
    """Why ``project``, not a folder, is none: so the user is not told to ``init`` a file."""
    try:
        project.stat()
    except FileNotFoundError:
        if project.is_symlink():
            return "a symbolic link to nothing; fix it or name the project's folder"
        if not any(parent.is_file() for parent in project.parents):
            return f"no such project folder (`sitegen init {project}` makes one)"
    except OSError as exc:  # a symlink loop, or a file where a folder belongs on the way
        if project.is_symlink() and exc.errno == errno.ELOOP:
            return "a symbolic link that leads back to itself; remove or fix it"
    return "not a folder; name the project's folder with 'sitegen -C PATH'"


def _path_error(exc: Exception) -> str | None:
    """An operating-system error, or Python's report of a symlink loop (``Path.resolve``
    on Python 3.11 and 3.12), as ``path: what happened``; None for anything else."""
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    if isinstance(exc, RuntimeError) and str(exc).startswith("Symlink loop from "):
        path = str(exc).removeprefix("Symlink loop from ").strip("'\"")
        return f"{path}: a symbolic link that leads back to itself; remove or fix it"
    return None
