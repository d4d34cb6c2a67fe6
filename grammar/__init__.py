"""Lark grammars, shipped inside the wheel as the package ``upgraph.grammar``."""
