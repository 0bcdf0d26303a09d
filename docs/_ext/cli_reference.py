"""Pages made from what the code and the benchmark runner already say, at build time.

``.. pyglibc-run-reference::`` renders the argument parser of
``python -m pyglibc run`` (``pyglibc._cli._parsers()``): the usage line, the
description, one ``.. option::`` per argument (so each is in the index) and
the epilog's sections.  No help text is written twice: a changed option shows
in the next build, and in the man page pyglibc-run.1 made from the same page.

``.. pyglibc-markdown:: FILE`` renders the Markdown that benchmarks/run.py
writes (docs/benchmarks.md): headings, paragraphs, bullet lists, tables and
one image, the subset that file uses.  The conversion is done as the page is
read, so the page follows each new run and nothing is written into docs/.

The text is made by plain functions (``run_reference()``,
``markdown_to_rest()``) that import no Sphinx, so tests/test_docs.py checks
them in every interpreter; docutils and Sphinx are imported by ``setup()``.
"""

import os
import re
import textwrap

_PROGRAM = "python -m pyglibc run"

# reST's inline markup characters, and the backslash that escapes them.
_SPECIAL = re.compile(r"([\\*`|_])")


def _escape(text):
    """text as reST shows it as it is: no inline markup, no reference."""
    return _SPECIAL.sub(r"\\\1", text)


def _paragraph(lines):
    """Lines of prose (argparse's hard-wrapped text) as one reST paragraph."""
    text = " ".join(" ".join(line.split()) for line in lines)
    # A paragraph that starts with a dash would read as an option list or a bullet.
    return "\\" + _escape(text) if text.startswith(("-", "+")) else _escape(text)


def _indent(text, by="   "):
    return "\n".join(by + line if line else "" for line in text.splitlines())


def _title(text, underline):
    return "%s\n%s\n" % (text, underline * len(text))


def _parsers():
    from pyglibc import _cli

    return _cli, _cli._parsers()[1]


def _signature(action):
    """What ``.. option::`` gets for an argparse action: ``-v, --verbose``, ``--json FILE``."""
    if not action.option_strings:
        return action.metavar
    if action.nargs == 0:
        return ", ".join(action.option_strings)
    return ", ".join("%s %s" % (name, action.metavar or action.dest.upper())
                     for name in action.option_strings)


def _help(parser, action):
    # argparse's own expansion of %(default)s and the like, as --help shows it.
    return parser._get_formatter()._expand_help(action)


def _blocks(lines):
    """Split a section's lines into ("paragraph", lines), ("term", term, lines), ("literal", lines).

    At the left margin, a line that starts a block and has a column after two
    spaces is a term and its description (the environment's layout); its
    indented lines go on with the description.  Other lines at the margin
    make paragraphs; indented lines that follow no term are kept as they are.
    """
    blocks = []
    for line in lines:
        last = blocks[-1] if blocks else None
        if not line.strip():
            blocks.append(None)
            continue
        if line[0] != " ":
            column = re.match(r"(\S+(?: \S+)*) {2,}(\S.*)$", line)
            in_paragraph = last is not None and last[0] == "paragraph"
            if column and not in_paragraph and not column.group(1).endswith("."):
                blocks.append(("term", column.group(1), [column.group(2)]))
            elif in_paragraph:
                last[1].append(line)
            else:
                blocks.append(("paragraph", [line]))
        elif last is not None and last[0] == "term":
            last[2].append(line)
        elif last is not None and last[0] == "literal":
            last[1].append(line)
        else:
            blocks.append(("literal", [line]))
    return [block for block in blocks if block is not None]


def _render_blocks(blocks):
    out = []
    for block in blocks:
        if block[0] == "paragraph":
            out.append(_paragraph(block[1]))
        elif block[0] == "term":
            # A description over a layout of its own (the --json result's keys) keeps it.
            first, rest = block[2][0], textwrap.dedent("\n".join(block[2][1:])).splitlines()
            inner = _blocks(rest)
            if any(kind == "term" for kind, *_ in inner):
                text = _paragraph([first]) + "\n\n" + _render_blocks(inner)
            else:
                text = _paragraph(block[2])
            out.append("%s\n%s" % (_escape(block[1]), _indent(text)))
        else:
            out.append("::\n\n" + _indent(textwrap.dedent("\n".join(block[1]))))
    return "\n\n".join(out)


def _epilog_sections(epilog):
    """(title, body lines) for each section of the epilog.

    A section starts at the left margin: a heading ("exit status:") over
    lines indented by two, or a paragraph at the margin (the --json one),
    which is titled by its first two words and keeps its lines as they are.
    """
    sections = []
    for line in epilog.splitlines():
        body = sections[-1][1] if sections else None
        if line and line[0] != " " and (not body or not body[-1].strip()):
            if line.endswith(":"):
                sections.append((line[:-1], [], True))
            else:
                sections.append((" ".join(line.split()[:2]), [line], False))
        elif body is not None:
            if not sections[-1][2] and line.startswith("  ") and body[-1][:1] not in ("", " "):
                body.append("")  # the margin paragraph ends where the indented lines start
                sections[-1] = sections[-1][:2] + (True,)
            body.append(line[2:] if line.startswith("  ") else line)
    return [(title, body) for title, body, _ in sections]


def run_reference():
    """The reST of ``python -m pyglibc run``'s reference, made from its argument parser."""
    cli, parser = _parsers()
    out = [_title("Synopsis", "-"), "::\n", _indent(parser.format_usage()[len("usage: "):]), ""]
    out.append(_title("Description", "-"))
    for chunk in cli._DESCRIPTION.split("\n\n"):
        out += [_paragraph(chunk.splitlines()), ""]
    out += [_title("Options", "-"), ".. program:: %s\n" % _PROGRAM]
    for action in parser._actions:
        out += [".. option:: %s" % _signature(action), "",
                _indent(_paragraph([_help(parser, action)])), ""]
    for title, body in _epilog_sections(cli._EPILOG):
        while body and not body[-1].strip():
            body.pop()
        out.append(_title(title[:1].upper() + title[1:], "-"))
        if title == "examples":
            out += [".. code-block:: sh\n", _indent("\n".join(body)), ""]
        else:
            out += [_render_blocks(_blocks(body)), ""]
    return "\n".join(out)


# Markdown, the subset benchmarks/run.py writes.

def _inline(text):
    """Markdown inline text as reST: `code` and **bold** kept, anything else as it is."""
    parts = re.split(r"(`[^`]+`|\*\*[^*]+\*\*)", text)
    out = []
    for i, part in enumerate(parts):
        if not i % 2:
            out.append(_escape(part))
            continue
        markup = "``%s``" % part[1:-1] if part[0] == "`" else "**%s**" % _escape(part[2:-2])
        # reST's markup must follow a space or an opening mark and precede a space or
        # a closing one; an escaped space, which shows as nothing, stands in otherwise.
        before, after = parts[i - 1][-1:], parts[i + 1][:1]
        out.append("%s%s%s" % ("\\ " if before and before not in _OPENS else "", markup,
                               "\\ " if after and after not in _CLOSES else ""))
    return "".join(out).strip()


_OPENS = " -:/'\"<([{"
_CLOSES = " -.,:;!?/'\")]}>"


# A bullet or a numbered item.
_ITEM = re.compile(r"(-|\d+\.) ")


def _cells(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def markdown_to_rest(text, image_dir=""):
    """The reST for a Markdown file of benchmarks/run.py (its first heading left out)."""
    lines = text.splitlines()
    out = []
    underlines = {"##": "-", "###": "~"}
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif line.startswith("# "):  # the page's own title stands for it
            i += 1
        elif line.startswith("#"):
            marks, _, title = line.partition(" ")
            out.append(_title(_inline(title), underlines[marks]))
            i += 1
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                if not re.match(r"^\|[\s:|-]+\|$", lines[i]):  # not the |---| line
                    rows.append(_cells(lines[i]))
                i += 1
            table = [".. list-table::", "   :header-rows: 1", ""]
            for row in rows:
                table += ["   * - %s" % _inline(row[0])]
                table += ["     - %s" % _inline(cell) for cell in row[1:]]
            out.append("\n".join(line.rstrip() for line in table) + "\n")
        elif line.startswith("!["):
            alt, src = re.match(r"!\[(.*)\]\((.*)\)$", line).groups()
            out.append(".. image:: %s\n   :alt: %s\n" % (os.path.join(image_dir, src), alt))
            i += 1
        elif _ITEM.match(line):
            items = []
            while i < len(lines) and lines[i].strip():
                mark = _ITEM.match(lines[i])
                if mark:
                    items.append((mark.group(1), [lines[i][mark.end():]]))
                else:
                    items[-1][1].append(lines[i])
                i += 1
            out.append("\n".join("%s %s" % (mark, _inline(" ".join(item)))
                                 for mark, item in items) + "\n")
        else:
            paragraph = []
            while i < len(lines) and lines[i].strip() and not lines[i].startswith(
                    ("#", "|", "![")) and not _ITEM.match(lines[i]):
                paragraph.append(lines[i].strip())
                i += 1
            out.append(_inline(" ".join(paragraph)) + "\n")
    return "\n".join(out)


def setup(app):
    from docutils import nodes
    from docutils.statemachine import StringList
    from sphinx.util.docutils import SphinxDirective
    from sphinx.util.nodes import nested_parse_with_titles

    def parse(directive, text, source):
        container = nodes.section()
        container.document = directive.state.document
        nested_parse_with_titles(directive.state, StringList(text.splitlines(), source),
                                 container)
        return container.children

    class RunReference(SphinxDirective):
        """``python -m pyglibc run``'s options and epilog, from its argument parser."""

        def run(self):
            self.env.note_dependency(os.path.join(os.path.dirname(
                os.path.abspath(_parsers()[0].__file__)), "_cli.py"))
            return parse(self, run_reference(), "<pyglibc run --help>")

    class Markdown(SphinxDirective):
        """A Markdown file of benchmarks/run.py, as reST."""

        required_arguments = 1

        def run(self):
            relative, path = self.env.relfn2path(self.arguments[0], self.env.docname)
            self.env.note_dependency(relative)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            image_dir = os.path.dirname(self.arguments[0])
            return parse(self, markdown_to_rest(text, image_dir), path)

    app.add_directive("pyglibc-run-reference", RunReference)
    app.add_directive("pyglibc-markdown", Markdown)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
