"""Data cleaning."""
