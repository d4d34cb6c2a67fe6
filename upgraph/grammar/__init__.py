"""The lark grammar of Upstart event expressions (data, not code)."""
