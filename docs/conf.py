"""Sphinx configuration: ``nox -s docs`` builds the HTML site and the man page into docs/_build.

Pages are reST or Markdown (MyST), which GitHub shows as they are.  Everything
a page lists about the ``glibc`` namespace is generated at build
time from the binding tables (docs/_ext/glibc_reference.py), and the
supervisor's reference from its argument parser (docs/_ext/cli_reference.py);
no page is fetched from the network.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "_ext"))

project = "glibc and pyglibc"
author = "the glibc and pyglibc developers"
extensions = ["sphinx.ext.autodoc", "myst_parser", "glibc_reference", "cli_reference"]
# benchmarks.md is benchmarks/run.py's, read by the benchmarks page's directive.
exclude_patterns = ["_build", "benchmarks.md"]
myst_heading_anchors = 3  # the pages' [links](#to-a-heading), as GitHub makes them
html_theme = "furo"
html_title = "glibc and pyglibc"
autodoc_member_order = "bysource"
autodoc_typehints = "description"
man_pages = [("run", "pyglibc-run", "run a command and leave no process behind",
              [author], 1)]
