"""Generated practices for benchmarks and load tests (``manage.py generate_practices``)."""
