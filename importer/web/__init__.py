"""The local web page of whiteclad-import: ``whiteclad-import ui``.

Upload a lead file, map its columns, review and fix the rows, send them and read
the results, in a browser on this machine. The page calls the library the command
line calls (:mod:`importer.web.flow`); see :mod:`importer.web.security` for what
keeps it private.
"""

from __future__ import annotations

from .app import WebConfig, create_app

__all__ = ["WebConfig", "create_app"]
