"""Contact verification."""
