"""Sphinx configuration of symchain's user guide (built with ``sphinx-build -W docs out``)."""

from __future__ import annotations

from typing import Any, ClassVar

import click
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from symchain import __version__
from symchain.cli import cli

project = "symchain"
author = "symchain contributors"
copyright = "symchain contributors"  # noqa: A001
version = release = __version__
extensions = ["symchain.sphinx"]
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_title = f"symchain {__version__}"
math_numfig = True


class ClickHelpDirective(SphinxDirective):
    """``.. click-help:: derive`` shows ``symchain derive --help``, generated at build time."""

    required_arguments = 1
    option_spec: ClassVar[dict[str, Any]] = {}

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        parent = click.Context(cli, info_name="symchain", terminal_width=92, max_content_width=92)
        command = cli if name == "symchain" else cli.get_command(parent, name)
        if command is None:
            known = ", ".join(cli.list_commands(parent))
            raise self.error(f"no symchain command {name!r}; known: {known}")
        ctx = parent if command is cli else click.Context(command, info_name=name, parent=parent)
        text = command.get_help(ctx)
        return [nodes.literal_block(text, text)]


def setup(app: Sphinx) -> None:
    app.add_directive("click-help", ClickHelpDirective)
