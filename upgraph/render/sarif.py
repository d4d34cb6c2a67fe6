"""SARIF 2.1.0, so code-scanning services show lint findings inline.

Locations are relative to the working directory, under the uriBaseId
%SRCROOT%, which is how GitHub code scanning places them in a repository.
"""

from __future__ import annotations

import json
import os

from upgraph import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _uri(path: str) -> tuple[str, bool]:
    """PATH as a URI reference: relative (True) when under the working dir."""
    from urllib.parse import quote

    absolute = os.path.abspath(path)
    rel = os.path.relpath(absolute)
    # a file name that is not UTF-8 keeps its own bytes, %-escaped
    if not rel.startswith(".."):
        return quote(rel.replace(os.sep, "/").encode("utf-8", "surrogateescape")), True
    return "file://" + quote(absolute.encode("utf-8", "surrogateescape")), False


def render(result: Any, fmt: str, **options: Any) -> str:
    rules = [{"id": code, "shortDescription": {"text": desc},
              "defaultConfiguration": {"level": _LEVEL[sev]}}
             for code, (sev, desc) in result.rules.items()]
    results = []
    for f in result.findings:
        item: dict[str, Any] = {"ruleId": f.code, "level": _LEVEL[f.severity],
                                "message": {"text": f.message}}
        if f.path:
            region = {"startLine": f.line or 1}
            if f.col:
                region["startColumn"] = f.col
            uri, relative = _uri(f.path)
            artifact: dict[str, Any] = {"uri": uri}
            if relative:
                artifact["uriBaseId"] = "%SRCROOT%"
            item["locations"] = [{"physicalLocation": {"artifactLocation": artifact,
                                                       "region": region}}]
        results.append(item)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "upgraph", "version": __version__,
                                "informationUri": "https://pypi.org/project/upgraph/",
                                "rules": rules}},
            "originalUriBaseIds": {"%SRCROOT%": {
                "uri": "file://" + os.getcwd().rstrip("/") + "/"}},
            "results": results,
        }],
    }
    return json.dumps(doc, indent=2) + "\n"
