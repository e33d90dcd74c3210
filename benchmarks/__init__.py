"""Performance benchmarks, run with ``make bench`` (``python -m benchmarks``).

Each module with a ``run()`` function is one benchmark; ``__main__`` runs them all in turn.
"""
