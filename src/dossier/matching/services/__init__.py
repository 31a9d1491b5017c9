"""Writes of the matching app: entry checks, scans, merges and un-merges."""
