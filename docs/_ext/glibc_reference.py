"""The reference of the ``glibc`` namespace, made at build time from the binding tables.

    .. glibc-family:: eventfd     one family: its headers, functions, types and constants
    .. glibc-families::           every family: one line each, with its counts

Each public function becomes a ``py:function``, each type a ``py:class`` and
each constant a ``py:data``, all in module ``glibc``, so objects.inv indexes
every name (tests/test_docs_index.py checks it against the tables).  The
words come from where the runtime and the README take them: the notes and
the errors heading of the docstring that glibc/_functions.py makes for each
wrapper, glibc._spec.HAZARDS, and tools/tables.py's counts.  Nothing here is
written into the source tree: the directives parse the reST they generate.
"""

import importlib
import importlib.util
import os
import re

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.parsing import nested_parse_to_nodes

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _tables():
    # tools/ is not a package; load the coverage page's generator by its path.
    spec = importlib.util.spec_from_file_location(
        "glibc_docs_tables", os.path.join(REPO, "tools", "tables.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The tables' sentences are ours and use C's punctuation freely (SCHED_*,
# "a | b", names_with_underscores_): a backslash before every mark makes
# reST read each one as itself, at any place in a line.
_MARK = re.compile(r"([^A-Za-z0-9\s])")


def text(words):
    """Table text as reST that reads as plain words (runs of blanks become one, not none)."""
    return _MARK.sub(r"\\\1", re.sub(r"\s+", " ", words))


def literal(code):
    """C or Python source as an inline literal (none of the tables' code holds a backquote)."""
    return "``%s``" % " ".join(code.split())


def _stdlib(where):
    """``os.eventfd (3.10)`` -> the call as a literal, the remark after it as words."""
    call, _, remark = where.partition(" ")
    return literal(call) + (" " + text(remark) if remark else "")


def _blocks(docstring):
    """The runtime docstring's paragraphs: prototype, doc, See, notes, errors."""
    return [block.splitlines() for block in docstring.split("\n\n")]


def _notes_and_errors(entry, docstring):
    """The notes and the errors heading of the wrapper's docstring, reused word for word."""
    blocks = _blocks(docstring)
    see = blocks.index(["See %s." % entry.man])
    notes, heading = [], None
    for block in blocks[see + 1:]:
        if block[0].startswith("Errors"):
            heading = block[0]
        else:
            notes += block
    # What None passes is said with each parameter, and each hazard with its meaning.
    notes = [n for n in notes if not n.startswith(("None passes NULL for ", "Hazards "))]
    return notes, heading


def _signature(entry):
    """The Python signature the wrapper has (glibc/_functions.py make_function)."""
    counts = set(entry.sizes.values())
    last = entry.params[-1].name if entry.params else None
    out = []
    for p in entry.params:
        if p.name in entry.defaults:
            value = entry.defaults[p.name]
            out.append("%s=%s" % (p.name, hex(value) if isinstance(value, int)
                                  and value > 0xffff else repr(value)))
        elif p.name in counts and p.name == last:
            out.append("%s=None" % p.name)
        else:
            out.append(p.name)
    return "%s(%s)" % (entry.name, ", ".join(out))


def _param_field(entry, p):
    # The clauses follow the literal with no space: "``int *``; None ...".
    words = [literal(p.ctype)]
    if p.min_count > 1:
        words.append(text(" (an array of at least %d)" % p.min_count))
    if p.name in entry.nullable:
        words.append(text("; None passes NULL (the man page says what C does with it here)"))
    elif p.name in entry.defaults and entry.defaults[p.name] is None:
        words.append(text("; None (the default) lets the wrapper supply it"))
    if p.name in entry.accepts:
        words.append(text("; the wrapper takes ") + literal(entry.accepts[p.name])
                     + text(" (as glibc/__init__.pyi types it)"))
    return ":param %s: %s" % (p.name, "".join(words))


def function_lines(entry, docstring):
    """reST of one public function: a py:function in module glibc."""
    from glibc._spec import HAZARDS, OLDEST_GLIBC, OLDEST_LINUX

    lines = [".. py:function:: %s" % _signature(entry), "   :module: glibc", ""]
    body = ["C prototype: %s (:manpage:`%s`)" % (literal(entry.proto), entry.man), ""]
    if entry.doc:
        body += [text(entry.doc.strip()), ""]
    needs = []
    if entry.linux:
        needs.append(text("Needs Linux %s (this package supports %s and newer)."
                          % (entry.linux, OLDEST_LINUX)))
    if entry.glibc:
        needs.append(text("glibc added it in %s (this package supports %s and newer)%s."
                          % (entry.glibc, OLDEST_GLIBC,
                             ", which this build does without: it makes the system call"
                             if entry.syscall else "")))
    if needs:
        body += [" ".join(needs), ""]
    body.append("Nearest in the standard library: %s."
                % (_stdlib(entry.stdlib) if entry.stdlib else "none"))
    body.append("")
    notes, heading = _notes_and_errors(entry, docstring)
    notes += ["Hazard, %s: %s." % (word, HAZARDS[word])
              for word in sorted(entry.hazards - {"blocks"})]
    body += ["* %s" % text(note) for note in notes]
    if notes:
        body.append("")
    body += [_param_field(entry, p) for p in entry.params]
    if entry.restype != "void":
        body.append(":returns: %s" % literal(entry.restype))
    body.append("")
    if heading:
        body += [text(heading), ""]
    if entry.errors:
        body += ["* %s: %s" % (literal(name), text(why)) for name, why in entry.errors.items()]
        body.append("")
    return lines + ["   " + line if line else "" for line in body]


def _fields(entry):
    """The declarations between the braces of a struct or union, as glibc/_spec.py reads them."""
    if "{" not in entry.cdef:
        return []
    inner = entry.cdef[entry.cdef.find("{") + 1:entry.cdef.rfind("}")]
    return [decl.strip() for decl in inner.split(";") if decl.strip() not in ("", "...")]


def type_lines(entry, size):
    """reST of one type: a py:class in module glibc."""
    lines = [".. py:class:: %s" % entry.name, "   :module: glibc", ""]
    body = ["C type %s%s, declared to cffi as: %s" % (
        literal(entry.c_name), " (:manpage:`%s`)" % entry.man if entry.man else "",
        literal(entry.cdef)), ""]
    if entry.is_scalar:
        body.append(text("A scalar typedef: an integer type whose size and signedness "
                         "the compiler fills in. Pass and receive it as a Python int; "
                         "calling it makes a zeroed %s * to pass where C writes one."
                         % entry.c_name))
    elif entry.cdef.startswith("typedef") and "{" not in entry.cdef:
        body.append(text("A pointer typedef: pass the value C stored, as it stored it."))
    else:
        body.append(text("Calling it returns a zeroed %s * (a cdata, to pass where C takes "
                         "a pointer); .array(n) makes an array of n." % entry.c_name))
    body.append("")
    if size is not None:
        body += ["Size on the machine that built these pages: %d bytes." % size, ""]
    fields = _fields(entry)
    if fields:
        body += ["Fields (others may follow: the compiler fills in the layout):", ""]
        body += ["* %s" % literal(decl) for decl in fields]
        body.append("")
    elif not entry.is_scalar and "{" in entry.cdef:
        body += [text("Opaque: no field is declared; only the functions that take it "
                      "read or change it."), ""]
    return lines + ["   " + line if line else "" for line in body]


def constant_lines(family, name, optional, glibc):
    """reST of one constant: a py:data in module glibc, with its value here."""
    value = getattr(glibc, name, None)
    lines = [".. py:data:: %s" % name, "   :module: glibc"]
    if value is not None:
        lines.append("   :value: %d" % value)
    lines.append("")
    body = []
    if value is None:
        body.append(text("Not defined by this machine's headers."))
    if optional:
        body.append(text("Optional: present only where the headers define it."))
    if name in family.kernel_abi:
        body.append(text("Fixed by the kernel's ABI: where older headers lack it, the build "
                         "defines it as") + " " + literal(family.kernel_abi[name][0]) + ".")
    if not body:
        body.append(text("Defined by every supported set of headers."))
    return lines + ["   " + " ".join(body), ""]


def _size(glibc, name):
    try:
        return getattr(glibc, name).size
    except (AttributeError, TypeError):  # a type this build's headers lack
        return None


def _count(n, word, words=None):
    return "%d %s" % (n, word if n == 1 else words or word + "s")


class FamilyDirective(SphinxDirective):
    """``.. glibc-family:: NAME``: the reference of one family of the tables."""

    required_arguments = 1
    has_content = False

    def run(self):
        import glibc
        from glibc._functions import docstring

        name = self.arguments[0]
        module = importlib.import_module("glibc.families." + name)
        self.env.note_dependency(module.__file__)
        family = module.FAMILY
        public = [f for f in family.functions if f.public]
        headers = [literal(h) for h in family.headers]
        headers += [literal(h) + " (where it exists)" for h in family.optional_headers]
        intro = [
            "%s: %s." % (", ".join(headers), text(family.doc)),
            "",
            "%s, %s and %s%s." % (
                _count(len(public), "function"), _count(len(family.types), "type"),
                _count(len(family.constants) + len(family.optional), "constant"),
                " (%d of them optional)" % len(family.optional) if family.optional else ""),
        ]
        out = self._parse(intro, name)
        sections = [
            ("Functions", [line for f in public for line in function_lines(f, docstring(f))]),
            ("Types", [line for t in family.types
                       for line in type_lines(t, _size(glibc, t.name))]),
            ("Constants", [line for c in family.constants
                           for line in constant_lines(family, c, False, glibc)]
             + [line for c in family.optional for line in constant_lines(family, c, True, glibc)]),
        ]
        for title, lines in sections:
            if not lines:
                continue
            section = nodes.section()
            section["names"].append(nodes.fully_normalize_name(title))
            section += nodes.title(title, title)
            self.state.document.note_implicit_target(section, section)
            section += self._parse(lines, name)
            out.append(section)
        return out

    def _parse(self, lines, name):
        source = "<glibc-family %s>" % name
        return nested_parse_to_nodes(self.state, StringList(lines, source),
                                     source=source, offset=self.content_offset)


class FamiliesDirective(SphinxDirective):
    """``.. glibc-families::``: one line per family, linked to its page, and the totals."""

    has_content = False

    def run(self):
        import glibc.families

        tables = _tables()
        fams = glibc.families.load()
        self.env.note_dependency(os.path.join(REPO, "glibc", "families", "__init__.py"))
        functions, types, constants = tables.counts(fams)
        lines = [text("%s, %s and %s in %s." % (
            _count(functions, "function"), _count(types, "type"),
            _count(constants, "constant"), _count(len(fams), "family", "families"))), ""]
        for fam in fams:
            public = sum(1 for f in fam.functions if f.public)
            # A family's page sits beside the page that holds this directive.
            lines.append("* :doc:`%s` (%s): %s; %s." % (
                fam.name, ", ".join(literal(h) for h in fam.headers),
                text(fam.doc), text(", ".join((
                    _count(public, "function"), _count(len(fam.types), "type"),
                    _count(len(fam.constants) + len(fam.optional), "constant"))))))
        lines.append("")
        source = "<glibc-families>"
        return nested_parse_to_nodes(self.state, StringList(lines, source),
                                     source=source, offset=self.content_offset)


def setup(app):
    app.add_directive("glibc-family", FamilyDirective)
    app.add_directive("glibc-families", FamiliesDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
