"""Repositories: SQL statements over a connection the caller's transaction owns. They never commit."""
