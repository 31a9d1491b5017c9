"""Dossier: customer information management."""

import os

# Dossier runs as several processes (web workers, task workers) on few cores; OpenBLAS's own
# threads in each would fight over them and make the small model fits of the nightly refresh
# slower, not faster. An operator's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
