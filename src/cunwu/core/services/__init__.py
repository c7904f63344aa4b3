"""Writes of the core app, one module per entity."""
