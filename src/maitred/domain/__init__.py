"""Pure types and rules: venue, booking, window, adjacency modes, policy, errors (no I/O)."""
