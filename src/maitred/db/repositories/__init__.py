"""Repositories: SQL over a connection whose transaction the caller owns; never commit."""
