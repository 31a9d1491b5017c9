"""Operations: health, readiness, metrics and request ids."""
