"""The switch for the fast paths that sit in front of the full library checks.

Each fast path answers only for the plain shapes it can decide exactly as the full check
would (an 11-digit mainland mobile, an ASCII e-mail, an ISO date …) and defers to the full
check otherwise. Switching them off gives the full-library path: the benchmark measures its
baseline that way and the property tests compare both paths on the same input.
"""

ENABLED = True
