"""Self-service update campaigns."""
