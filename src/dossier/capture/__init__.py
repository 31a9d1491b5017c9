"""Public capture forms."""
