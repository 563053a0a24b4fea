"""bench/compare.py, in parts: see that file and bench/README.md."""
