"""`ttminis lsp`: the lint engine as a Language Server (DESIGN §10). session.py holds the lint state of
the open documents and their projects; server.py speaks the protocol (pygls); members.py describes the
platform's members for hover and completion."""
