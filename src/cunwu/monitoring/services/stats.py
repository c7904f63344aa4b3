"""Writes of 防返贫监测 (part: stats)."""
