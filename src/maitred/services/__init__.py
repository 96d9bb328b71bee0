"""Use cases. Each owns its transaction (with the tenant set) and calls repositories."""
