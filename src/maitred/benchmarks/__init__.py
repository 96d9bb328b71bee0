"""Benchmarks that need the database or the server (the pure planner's live in planning)."""
