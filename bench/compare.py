"""Compare the knowledge base with Datasette and with the database alone, over HTTP.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gfmd_bench100k \\
        .venv/bin/python bench/compare.py --practices 100000 --rounds 5

Prepares PostgreSQL (migrate, load_paper, generate_practices, VACUUM ANALYZE), writes the same
published practices to an SQLite file for Datasette, serves ours with gunicorn (gunicorn.conf.py)
and that file with `datasette serve`, then times the list with its facet counts, a full-text
search and the CSV exports on both, and the same work as hand-written SQL through psycopg2 (the
floor). A benchmark, not a test: it prints medians and asserts nothing. See bench/README.md.
The code is in the package bench/compare/.
"""

from compare.run import main

if __name__ == "__main__":
    main()
