"""Lark grammars (data, not code): in the checkout at the top level, in the
wheel as the package ``upgraph.grammar`` (see pyproject.toml)."""
