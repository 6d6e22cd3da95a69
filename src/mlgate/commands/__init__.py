"""One module per CLI command: each builds the adapters it needs and calls the domain."""
