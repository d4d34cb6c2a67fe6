"""SARIF 2.1.0, so GitHub code scanning shows lint findings inline."""

from __future__ import annotations

import json

from upgraph import __version__
from upgraph.lint import RULES, Finding

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def dumps(findings: list[Finding]) -> str:
    rules = [{"id": code, "shortDescription": {"text": desc},
              "defaultConfiguration": {"level": _LEVEL[sev]}}
             for code, (sev, desc) in RULES.items()]
    results = []
    for f in findings:
        result: dict = {"ruleId": f.code, "level": _LEVEL[f.severity],
                        "message": {"text": f.message}}
        if f.path:
            region = {"startLine": f.line or 1}
            if f.col:
                region["startColumn"] = f.col
            result["locations"] = [{"physicalLocation": {
                "artifactLocation": {"uri": f.path}, "region": region}}]
        results.append(result)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "upgraph", "version": __version__,
                                      "informationUri": "https://pypi.org/project/upgraph/",
                                      "rules": rules}},
                  "results": results}],
    }
    return json.dumps(doc, indent=2)
