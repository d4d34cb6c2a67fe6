"""Readers that turn outside text into the model (upgraph.model)."""
