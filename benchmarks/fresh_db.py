"""A fresh, empty database for a benchmark run, chosen as Advocate chooses one (DATABASE_URL, else SQLite).

Shared by the benchmarks that build their own marketplace; call it before Django is set up."""

import os
import sys
from pathlib import Path


def prepare(name: str, data_dir: Path) -> str:
    """Empty (or create) the benchmark's database and point Django at it; returns "sqlite" or "postgresql".
    A PostgreSQL database is emptied only if its name contains "bench"; SQLite lives in data_dir/<name>.sqlite3."""
    database_url = os.environ.get("DATABASE_URL", "")
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("ADVOCATE_DATA_DIR", str(data_dir))
    if not database_url:
        path = data_dir / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["ADVOCATE_SQLITE_PATH"] = str(path)
        return "sqlite"
    if "bench" not in database_url.rsplit("/", 1)[-1]:
        sys.exit("Refusing to empty a PostgreSQL database whose name does not contain 'bench'.")
    import psycopg

    base, db_name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db_name}"')
    return "postgresql"
