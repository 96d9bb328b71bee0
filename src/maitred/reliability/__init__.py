"""The reliability harness: scenarios that record Jepsen-style histories over the HTTP API and
check them mechanically against the database (`maitred bench reliability`)."""
