"""The service layer: use cases. Each opens its own unit of work and commits it."""
