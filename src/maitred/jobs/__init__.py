"""Background work: the hold sweeper, the outbox relay and webhooks, allocation archival,
retention, and the worker that runs them."""
