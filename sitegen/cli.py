"""The command-line interface: thin commands over the pipeline."""

from __future__ import annotations

import click

from sitegen import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sitegen")
def cli() -> None:
    """Build annotated reading lists of research papers into static sites."""


def main() -> None:
    """Console-script entry point."""
    cli()
