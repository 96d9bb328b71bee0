"""The HTTP API: FastAPI app, routers by area, auth, error mapping, health and metrics."""
