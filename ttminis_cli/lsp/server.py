"""`ttminis lsp`: the language server on stdio (pygls), over lsp/session.py's lint state.

Diagnostics are published on open at once and, after a pause in typing (DEBOUNCE_S), on change — for
every open document of the project, since a key written in one file quiets a TTM305 in another. Code
actions offer each finding's fix, a suppression comment, and "fix all"; hover describes a platform
member; completion lists the members valid in the file's domain. pygls is imported here only, so that
`ttminis lint` never pays for it.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from ttminis_cli import __version__
from ttminis_cli.errors import EXIT_OK, UserError
from ttminis_cli.lint.diagnostic import Diagnostic, Edit, Severity
from ttminis_cli.lsp.session import SUPPRESS, Document, Project, Session

DEBOUNCE_S = 0.15
FIX_ALL_KIND = "source.fixAll.ttminis"
WATCHED = "**/{*.js,*.mjs,*.cjs,*.jsx,*.ts,*.mts,*.cts,*.tsx,index.html,project.config.json,game.json," \
          "ttminis.toml,pyproject.toml,tsconfig.json}"


def run() -> int:
    """Serve the Language Server Protocol on stdin/stdout until the client says exit."""
    try:
        server = build()
    except ImportError as exc:  # pragma: no cover - pygls is a dependency
        raise UserError(f"the language server needs pygls ({exc})", hint="pip install 'pygls>=2'") from None
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but the protocol may reach stdout: a stray print would corrupt it
    server.start_io(stdin, stdout)
    return EXIT_OK


def build():
    """The pygls server with every feature registered."""
    from lsprotocol import types as T
    from pygls.lsp.server import LanguageServer

    server = LanguageServer("ttminis", __version__, text_document_sync_kind=T.TextDocumentSyncKind.Incremental)
    state = _State(server)

    @server.feature(T.INITIALIZE)
    def initialize(params: T.InitializeParams) -> None:
        folders = [Path(_path(f.uri)) for f in params.workspace_folders or []]
        if not folders and params.root_uri:
            folders = [Path(_path(params.root_uri))]
        state.session = Session([f for f in folders if f.is_dir()])
        state.encoding = server.workspace.position_encoding
        state.warm_up()

    @server.feature(T.INITIALIZED)
    def initialized(params: T.InitializedParams) -> None:
        caps = server.client_capabilities.workspace
        watched = caps.did_change_watched_files if caps is not None else None
        if watched is not None and watched.dynamic_registration:
            server.client_register_capability(T.RegistrationParams(registrations=[T.Registration(
                id="ttminis-watch", method=T.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=T.DidChangeWatchedFilesRegistrationOptions(
                    watchers=[T.FileSystemWatcher(glob_pattern=WATCHED)]))]))

    @server.feature(T.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: T.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        path = _path(item.uri)
        if path is None:
            return
        doc = state.guard(lambda: state.session.open(item.uri, path, item.text, item.version))
        if doc is not None and doc.project is not None:
            if doc.project.problem:
                state.log(doc.project.problem)
            state.publish_project(doc.project)

    @server.feature(T.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: T.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        text = server.workspace.get_text_document(uri).source
        doc = state.session.change(uri, text, params.text_document.version)
        if doc is not None and doc.project is not None:
            state.schedule(doc.project)

    @server.feature(T.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: T.DidCloseTextDocumentParams) -> None:
        doc = state.guard(lambda: state.session.close(params.text_document.uri))
        server.text_document_publish_diagnostics(T.PublishDiagnosticsParams(uri=params.text_document.uri,
                                                                            diagnostics=[]))
        if doc is not None and doc.project is not None:
            state.publish_project(doc.project)

    @server.feature(T.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files(params: T.DidChangeWatchedFilesParams) -> None:
        paths = [p for p in (_path(change.uri) for change in params.changes) if p]
        projects = state.guard(lambda: state.session.disk_changed(paths)) or set()
        for project in projects:
            state.publish_project(project)

    @server.feature(T.TEXT_DOCUMENT_CODE_ACTION, T.CodeActionOptions(
        code_action_kinds=[T.CodeActionKind.QuickFix, T.CodeActionKind.SourceFixAll, FIX_ALL_KIND]))
    def code_action(params: T.CodeActionParams) -> list[T.CodeAction] | None:
        return state.guard(lambda: state.code_actions(params))

    @server.feature(T.TEXT_DOCUMENT_HOVER)
    def hover(params: T.HoverParams) -> T.Hover | None:
        text = state.at_position(params, state.session.hover)
        return T.Hover(contents=T.MarkupContent(kind=T.MarkupKind.Markdown, value=text)) if text else None

    @server.feature(T.TEXT_DOCUMENT_COMPLETION, T.CompletionOptions(trigger_characters=["."]))
    def completion(params: T.CompletionParams) -> T.CompletionList | None:
        found = state.at_position(params, state.session.completions)
        if found is None:
            return None
        from ttminis_cli.lsp import members

        host, apis = found
        kinds = {"property": T.CompletionItemKind.Property, "factory": T.CompletionItemKind.Function}
        items = [T.CompletionItem(label=api.name, kind=kinds.get(api.style, T.CompletionItemKind.Method),
                                  detail=f"{members.DOMAIN_NAMES[api.domain]} · {api.family}",
                                  documentation=T.MarkupContent(kind=T.MarkupKind.Markdown,
                                                                value=members.describe(api, host)))
                 for api in apis]
        return T.CompletionList(is_incomplete=False, items=items)

    @server.feature(T.SHUTDOWN)
    def shutdown(params: None) -> None:
        state.cancel_all()

    return server


class _State:
    """What the handlers share: the session, the pending re-lints, position conversion."""

    def __init__(self, server) -> None:
        self.server = server
        self.session = Session()
        self.pending: dict[Path, asyncio.TimerHandle] = {}
        self.encoding = "utf-16"  # the position encoding agreed at initialize

    def warm_up(self) -> None:
        """Load the parser, the rules and the platform table, and plan the workspace's projects, before
        the first document opens: its diagnostics then cost one file's analysis."""
        from ttminis_cli.lint import analysis, fixes, parse  # noqa: F401
        from ttminis_cli.lsp import members
        from ttminis_cli.platform.api import other_platform_api
        from ttminis_cli.project import CONFIG_FILES, find_root

        for language in ("js", "ts", "tsx"):
            parse.parse(language, b"tt.x();\n")
        other_platform_api()
        members.rule_doc_uri("TTM001")
        for folder in self.session.folders:
            if any((folder / name).is_file() for name in CONFIG_FILES):
                root, _ = find_root(folder)
                self.guard(lambda: self.session._load(root))

    # ---------------------------------------------------------------- publishing

    def schedule(self, project: Project) -> None:
        """Re-lint the project once typing pauses."""
        handle = self.pending.pop(project.root, None)
        if handle is not None:
            handle.cancel()
        loop = asyncio.get_running_loop()
        self.pending[project.root] = loop.call_later(DEBOUNCE_S, self._fire, project.root)

    def _fire(self, root: Path) -> None:
        self.pending.pop(root, None)
        project = self.session.projects.get(root)
        if project is not None:
            self.publish_project(project)

    def flush(self, doc: Document) -> None:
        """Bring a document's findings up to date now (a code action needs those of its current text)."""
        if doc.project is not None and (doc.stale or doc.project.root in self.pending):
            handle = self.pending.pop(doc.project.root, None)
            if handle is not None:
                handle.cancel()
            self.publish_project(doc.project)

    def publish_project(self, project: Project) -> None:
        from lsprotocol import types as T

        def work():
            self.session.analyse(project)
            return self.session.lint(project)

        docs = self.guard(work) or []
        for doc in docs:
            self.server.text_document_publish_diagnostics(T.PublishDiagnosticsParams(
                uri=doc.uri, version=doc.version, diagnostics=[self.to_lsp(doc, d) for d in doc.diagnostics]))

    def cancel_all(self) -> None:
        for handle in self.pending.values():
            handle.cancel()
        self.pending.clear()

    # ---------------------------------------------------------------- code actions

    def code_actions(self, params):
        from lsprotocol import types as T

        doc = self.session.documents.get(params.text_document.uri)
        if doc is None:
            return None
        self.flush(doc)
        only = params.context.only
        first = self.from_client(doc, params.range.start)
        last = self.from_client(doc, params.range.end)
        actions = []
        wants_quick = not only or any(k == T.CodeActionKind.QuickFix or str(k).startswith("quickfix") for k in only)
        if wants_quick:
            for d in doc.diagnostics:
                if not _touches(d, first, last):
                    continue
                lsp_diag = self.to_lsp(doc, d)
                if d.fix is not None:
                    title = d.fix.title + ("" if d.fix.safe else " (unsafe)")
                    actions.append(T.CodeAction(title=f"{d.code}: {title}", kind=T.CodeActionKind.QuickFix,
                                                diagnostics=[lsp_diag], is_preferred=d.fix.safe,
                                                edit=self.workspace_edit(doc, d.fix.edits)))
                edit = self.session.suppression_edit(doc, d)
                if edit is not None:
                    actions.append(T.CodeAction(title=f"Suppress {d.code} on this line (// {SUPPRESS})",
                                                kind=T.CodeActionKind.QuickFix, diagnostics=[lsp_diag],
                                                edit=self.workspace_edit(doc, (edit,))))
        wants_all = not only or any(str(k) in (T.CodeActionKind.SourceFixAll, T.CodeActionKind.Source, FIX_ALL_KIND)
                                    for k in only)
        if wants_all and any(d.fix is not None and d.fix.safe for d in doc.diagnostics):
            fixed = self.session.fix_all(doc)
            if fixed is not None and fixed != doc.text:
                lines = doc.text.split("\n")
                end = Edit(1, 1, len(lines), len(lines[-1]) + 1, fixed)
                actions.append(T.CodeAction(title="Fix all safely fixable ttminis findings", kind=FIX_ALL_KIND,
                                            edit=self.workspace_edit(doc, (end,))))
        return actions

    def workspace_edit(self, doc: Document, edits):
        from lsprotocol import types as T

        return T.WorkspaceEdit(changes={doc.uri: [
            T.TextEdit(range=T.Range(start=self.to_client(doc, e.line, e.column),
                                     end=self.to_client(doc, e.end_line, e.end_column)), new_text=e.text)
            for e in edits]})

    # ---------------------------------------------------------------- positions

    def at_position(self, params, ask):
        """`ask(document, line, column)` for a request about a position in an open document."""
        doc = self.session.documents.get(params.text_document.uri)
        if doc is None:
            return None
        line, column = self.from_client(doc, params.position)
        return self.guard(lambda: ask(doc, line, column))

    def to_lsp(self, doc: Document, d: Diagnostic):
        from lsprotocol import types as T

        from ttminis_cli.lsp.members import rule_doc_uri

        end_line, end_column = (d.end_line, d.end_column) if d.end_line else (d.line, d.column)
        href = rule_doc_uri(d.code)
        return T.Diagnostic(
            range=T.Range(start=self.to_client(doc, d.line, d.column), end=self.to_client(doc, end_line, end_column)),
            message=d.message, source="ttminis", code=d.code,
            severity=T.DiagnosticSeverity.Error if d.severity is Severity.ERROR else T.DiagnosticSeverity.Warning,
            code_description=T.CodeDescription(href=href) if href else None)

    def to_client(self, doc: Document, line: int, column: int):
        """A 1-based (line, character column) of ttminis as the client counts positions."""
        from lsprotocol import types as T

        lines = doc.text.split("\n")
        index = min(max(line - 1, 0), len(lines))
        if index == len(lines):
            return T.Position(line=len(lines) - 1, character=self._units(lines[-1]))
        return T.Position(line=index, character=self._units(lines[index][:max(column - 1, 0)]))

    def from_client(self, doc: Document, position) -> tuple[int, int]:
        """The client's position as a 0-based (line, character column)."""
        lines = doc.text.split("\n")
        if position.line >= len(lines):
            return len(lines) - 1, len(lines[-1])
        text = lines[position.line]
        units = 0
        for i, char in enumerate(text):
            if units >= position.character:
                return position.line, i
            units += self._units(char)
        return position.line, len(text)

    def _units(self, text: str) -> int:
        from lsprotocol import types as T

        if self.encoding == T.PositionEncodingKind.Utf32:
            return len(text)
        if self.encoding == T.PositionEncodingKind.Utf8:
            return len(text.encode("utf-8"))
        return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)

    # ---------------------------------------------------------------- errors

    def guard(self, work):
        """Run a handler's work; a failure is logged to the client, never fatal to the session."""
        try:
            return work()
        except Exception as exc:  # one bad file or config must not end the editor's session
            import traceback

            self.log(f"internal error: {type(exc).__name__}: {exc}\n{traceback.format_exc()}")
            return None

    def log(self, text: str) -> None:
        from lsprotocol import types as T

        self.server.window_log_message(T.LogMessageParams(type=T.MessageType.Warning, message=f"ttminis: {text}"))


def _touches(d: Diagnostic, first: tuple[int, int], last: tuple[int, int]) -> bool:
    """Whether a finding's span meets the 0-based range [first, last]."""
    start = (d.line - 1, d.column - 1)
    end = (d.end_line - 1, d.end_column - 1) if d.end_line else start
    return start <= last and first <= end


def _path(uri: str) -> str | None:
    from pygls.uris import to_fs_path

    return to_fs_path(uri) if uri.startswith("file:") else None
