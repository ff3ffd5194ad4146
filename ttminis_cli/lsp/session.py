"""The language server's lint state, apart from the protocol: the projects of the open documents, every
file's result (the disk's, through the lint cache, or the open document's own text), and the findings
the same engine gives — project facts included, so TTM305 or TTM401 follow an edit in another file.

Positions here are 0-based lines and columns in characters (code points); the server converts them
to and from what the client counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ttminis_cli.config import Config
from ttminis_cli.errors import UserError
from ttminis_cli.lint.diagnostic import Diagnostic, Edit
from ttminis_cli.lint.records import FileResult, FileTask
from ttminis_cli.project import DEFAULT_OPEN_DATA_DIR

# Files whose change can move a project's roots, domains or config: the project is planned again.
CONFIG_NAMES = frozenset({"project.config.json", "game.json", "ttminis.toml", "pyproject.toml", "tsconfig.json"})
SUPPRESS = "ttminis-disable-next-line"
_NEXT_LINE = re.compile(r"^(\s*//\s*ttminis-disable-next-line)((?:[\s,]+TTM\d*)+)\s*$")
_HOST_BEFORE = re.compile(r"(?:(?<![\w$.])(?:GameGlobal|window|globalThis)\s*\.\s*)?(?<![\w$])(tt|wx)\s*\.\s*([\w$]*)$"
                          r"|(?<![\w$.])(TTMinis\s*\.\s*game)\s*\.\s*([\w$]*)$")


@dataclass(eq=False)
class Document:
    uri: str
    path: str  # absolute
    text: str
    version: int | None = None
    project: Project | None = None
    name: str | None = None  # its path as the project's findings name it; None: not linted (skipped)
    diagnostics: list[Diagnostic] = field(default_factory=list)  # of `text`, as last published
    stale: bool = False  # `text` changed since it was analysed


@dataclass(eq=False)  # compared and hashed by identity: one per root at a time
class Project:
    root: Path
    config: Config
    salt: str
    tasks: dict[str, FileTask] = field(default_factory=dict)  # by the path findings use
    by_abs: dict[str, str] = field(default_factory=dict)  # absolute path -> that path
    disk: dict[str, FileResult] = field(default_factory=dict)
    overlay: dict[str, FileResult] = field(default_factory=dict)  # open documents' own text
    problem: str | None = None  # why the project's config could not be read

    def results(self) -> list[FileResult]:
        return [self.overlay.get(name) or self.disk[name] for name in self.tasks
                if name in self.overlay or name in self.disk]


class Session:
    """Open documents and their projects."""

    def __init__(self, folders: list[Path] | None = None) -> None:
        self.folders = [f.resolve() for f in folders or []]
        self.documents: dict[str, Document] = {}
        self.projects: dict[Path, Project] = {}

    # ---------------------------------------------------------------- documents

    def open(self, uri: str, path: str, text: str, version: int | None = None) -> Document:
        import os

        doc = Document(uri, os.path.realpath(path), text, version)  # as the plan names files: symlinks resolved
        self.documents[uri] = doc
        self._attach(doc)
        return doc

    def change(self, uri: str, text: str, version: int | None = None) -> Document | None:
        """A new text of an open document; `analyse` it (the server does so after a pause in typing)."""
        doc = self.documents.get(uri)
        if doc is None:
            return None
        doc.text, doc.version = text, version
        doc.stale = True
        return doc

    def analyse(self, project: Project) -> None:
        """Analyse the project's open documents whose text changed since."""
        for doc in self.documents.values():
            if doc.project is project and doc.stale:
                self._analyse(doc)

    def close(self, uri: str) -> Document | None:
        doc = self.documents.pop(uri, None)
        if doc is not None and doc.project is not None and doc.name is not None:
            doc.project.overlay.pop(doc.name, None)
            self._refresh_disk(doc.project, [doc.name])  # saved or not, the disk is what counts now
        return doc

    def disk_changed(self, paths: list[str]) -> set[Project]:
        """Files changed outside the editor: their projects are planned and read again."""
        touched = set()
        for path in paths:
            p = Path(path)
            for project in list(self.projects.values()):
                if p == project.root or project.root in p.parents:
                    touched.add(project.root)
        if any(Path(p).name in CONFIG_NAMES or Path(p).name == DEFAULT_OPEN_DATA_DIR for p in paths):
            from ttminis_cli import project as layout

            layout.forget()  # a new or removed config file moves project roots, a new folder domains
        out = set()
        for root in touched:
            out.add(self._load(root))
        docs = [d for d in self.documents.values() if d.project is not None and d.project.root in touched]
        for doc in docs:
            self._attach(doc)
            if doc.project is not None:
                out.add(doc.project)
        return out

    # ---------------------------------------------------------------- findings

    def lint(self, project: Project) -> list[Document]:
        """The findings of every open document of a project, from the project's current results."""
        from ttminis_cli.lint.finish import finish

        by_path: dict[str, list[Diagnostic]] = {}
        for d in finish(project.results(), project.config):
            by_path.setdefault(d.path, []).append(d)
        docs = [doc for doc in self.documents.values() if doc.project is project]
        for doc in docs:
            doc.diagnostics = by_path.get(doc.name, []) if doc.name is not None else []
        return docs

    def fix_all(self, doc: Document, unsafe: bool = False) -> str | None:
        """The document's text with every wanted fix applied (as `ttminis lint --fix` would), or None."""
        if doc.project is None or doc.name is None:
            return None
        from ttminis_cli.lint import fixes

        project = doc.project
        tasks = list(project.tasks.values())

        def read(task: FileTask) -> bytes:
            other = self._document_at(task.ctx.abs_path)
            return other.text.encode("utf-8") if other is not None else fixes.read_file(task)

        run = fixes.fix(tasks, project.results(), project.config, report_paths={doc.name}, unsafe=unsafe, read=read)
        new = run.after.get(doc.name)
        return new.decode("utf-8") if new is not None else None

    # ---------------------------------------------------------------- editing help

    def suppression_edit(self, doc: Document, diag: Diagnostic) -> Edit | None:
        """`// ttminis-disable-next-line CODE` above the finding's line (or its code added to such a
        comment already there); None where a comment cannot go (a page, a multi-line string)."""
        if doc.name is None or doc.name.endswith(".html"):
            return None
        lines = doc.text.split("\n")
        index = diag.line - 1
        if not 0 <= index < len(lines) or _in_string_at_line(doc, index):
            return None
        previous = lines[index - 1] if index > 0 else None
        match = _NEXT_LINE.match(previous.rstrip("\r")) if previous is not None else None
        if match is not None:
            if diag.code in re.findall(r"TTM\d*", match.group(2)):
                return None
            end = len(match.group(1)) + len(match.group(2))
            return Edit(index, end + 1, index, end + 1, f", {diag.code}")
        indent = re.match(r"[ \t]*", lines[index]).group(0)
        newline = "\r\n" if lines[index].endswith("\r") else "\n"
        return Edit(index + 1, 1, index + 1, 1, f"{indent}// {SUPPRESS} {diag.code}{newline}")

    def member_at(self, doc: Document, line: int, column: int) -> tuple[str, str] | None:
        """(member, host) of the platform member under a position: `tt.shareToUser`, an alias's, a
        destructured one's."""
        from ttminis_cli.lint import parse as P
        from ttminis_cli.lint.calls import find_uses
        from ttminis_cli.lint.scan import scan

        offset = _byte_offset(doc.text, line, column)
        if offset is None:
            return None
        source = doc.text.encode("utf-8")
        language = _language(doc)
        if language is None:
            return None
        tree = P.parse(language, source)
        uses = find_uses(language, tree.root_node, source, scan(tree.root_node, source))
        nodes = [(c.api, c.callee) for c in uses.calls] + [(a.api, a.node) for a in uses.accesses]
        for api, node in nodes:
            name = node.child_by_field_name("property") if node.type == "member_expression" else node
            if name is not None and name.start_byte <= offset <= name.end_byte and P.text(name) == api:
                obj = node.child_by_field_name("object") if node.type == "member_expression" else None
                host = P.text(obj) if obj is not None and len(P.text(obj)) <= 40 else "tt"
                return api, host
        return None

    def hover(self, doc: Document, line: int, column: int) -> str | None:
        from ttminis_cli.lsp import members
        from ttminis_cli.platform.api import API, other_platform_api

        found = self.member_at(doc, line, column)
        if found is None:
            return None
        name, host = found
        if name in API:
            return members.describe(API[name], host)
        others = other_platform_api()
        if name in others:
            return members.describe_foreign(name, others[name], host)
        return None

    def completions(self, doc: Document, line: int, column: int) -> tuple[str, list] | None:
        """(host, members valid in the document's domain) after `tt.`, `wx.`, `TTMinis.game.`…"""
        from ttminis_cli.lsp import members

        lines = doc.text.split("\n")
        if not 0 <= line < len(lines):
            return None
        match = _HOST_BEFORE.search(lines[line][:column])
        if match is None:
            return None
        host = match.group(1) or re.sub(r"\s", "", match.group(3))
        domain = None
        if doc.project is not None and doc.name in doc.project.tasks:
            ctx = doc.project.tasks[doc.name].ctx
            domain = ctx.domain if ctx.domain_rules else None
        return host, members.members_for(domain)

    # ---------------------------------------------------------------- projects

    def _attach(self, doc: Document) -> None:
        """Find the document's project (planning it the first time) and its place there."""
        path = Path(doc.path)
        from ttminis_cli.project import find_root

        try:
            root, _ = find_root(path, self._fallback(path))
        except OSError:
            doc.project, doc.name = None, None
            return
        project = self.projects.get(root) or self._load(root)
        doc.project = project
        doc.name = project.by_abs.get(doc.path.replace("\\", "/"))
        if doc.name is None:
            doc.name = self._plan_one(project, path)
        self._analyse(doc)

    def _fallback(self, path: Path) -> Path:
        """Without a config file, a file is rooted in the workspace folder holding it (as the CLI roots
        it in the current folder), else in its own folder."""
        inside = [f for f in self.folders if f in path.parents]
        return max(inside, key=lambda f: len(f.parts)) if inside else path.parent

    def _load(self, root: Path) -> Project:
        """Plan a project and read every file's result (from the lint cache when unchanged)."""
        from ttminis_cli.lint import runner
        from ttminis_cli.lint.command import load_lint_config
        from ttminis_cli.lint.plan import plan

        problem = None
        try:
            config, salt = load_lint_config([root], None, (), ())
        except UserError as exc:  # a config mid-edit: lint with the defaults, and say why
            config, salt, problem = Config(), "", exc.render()
        project = Project(root, config, salt, problem=problem)
        try:
            the_plan = plan([root], config, cwd=root)
        except UserError as exc:
            project.problem = exc.render()
            self.projects[root] = project
            return project
        project.tasks = {t.ctx.path: t for t in the_plan.tasks}
        project.by_abs = {t.ctx.abs_path: t.ctx.path for t in the_plan.tasks}
        run = runner.run(the_plan.tasks, cache_root=root, config_salt=salt)
        project.disk = {r.path: r for r in run.results}
        old = self.projects.get(root)
        if old is not None:
            for doc in self.documents.values():
                if doc.project is old:
                    doc.project = project
        self.projects[root] = project
        return project

    def _plan_one(self, project: Project, path: Path) -> str | None:
        """A file the project's plan did not hold (new since, or left out): linted if the default
        selection would lint it named with --force-exclude, as the pre-commit hook names files."""
        from ttminis_cli.lint.plan import plan

        if not path.is_file():
            return None
        try:
            found = plan([path], project.config, cwd=project.root, force_exclude=True)
        except UserError:
            return None
        if not found.tasks:
            return None
        task = found.tasks[0]
        project.tasks[task.ctx.path] = task
        project.by_abs[task.ctx.abs_path] = task.ctx.path
        return task.ctx.path

    def _refresh_disk(self, project: Project, names: list[str]) -> None:
        from ttminis_cli.lint import runner

        tasks = [project.tasks[n] for n in names if n in project.tasks]
        run = runner.run(tasks, cache_root=project.root, config_salt=project.salt)
        for name in names:
            project.disk.pop(name, None)
        project.disk.update({r.path: r for r in run.results})

    def _analyse(self, doc: Document) -> None:
        from ttminis_cli.lint.engine import analyze

        doc.stale = False
        if doc.project is None or doc.name is None:
            return
        doc.project.overlay[doc.name] = analyze(doc.project.tasks[doc.name], doc.text.encode("utf-8"))

    def _document_at(self, abs_path: str) -> Document | None:
        for doc in self.documents.values():
            if doc.path.replace("\\", "/") == abs_path:
                return doc
        return None


def _language(doc: Document) -> str | None:
    from ttminis_cli.lint.plan import SUFFIX_LANGUAGE

    if doc.project is not None and doc.name in doc.project.tasks:
        language = doc.project.tasks[doc.name].language
        return None if language == "html" else language
    return SUFFIX_LANGUAGE.get(Path(doc.path).suffix.lower())


def _byte_offset(text: str, line: int, column: int) -> int | None:
    lines = text.split("\n")
    if not 0 <= line < len(lines):
        return None
    before = "\n".join(lines[:line]) + ("\n" if line else "")
    return len(before.encode("utf-8")) + len(lines[line][:column].encode("utf-8"))


def _in_string_at_line(doc: Document, index: int) -> bool:
    """Whether the start of a line lies inside a multi-line string or template (a comment there would be text)."""
    from ttminis_cli.lint import parse as P

    language = _language(doc)
    if language is None:
        return True
    offset = _byte_offset(doc.text, index, 0)
    source = doc.text.encode("utf-8")
    node = P.parse(language, source).root_node.descendant_for_byte_range(offset, offset)
    while node is not None:
        if node.type in ("template_string", "string", "comment") and node.start_byte < offset:
            return True
        node = node.parent
    return False
