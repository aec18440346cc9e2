"""Numbers from outside — a query string, a form, a URL — brought into a range the code and the database can
use. A number no column can hold (past int64, or 5,000 digits long) is never sent to the database, where it
would fail the request with a server error instead of an answer (Django already finds no row for an id past
the column; an OFFSET or a cursor it does not guard). Plain Python."""

DB_INT_MAX = 2**63 - 1  # a BigAutoField's largest id (PostgreSQL bigint, SQLite INTEGER)
MAX_PAGE = 100_000  # past the last page anyway: every list shows at most a few thousand pages


def clamped_int(value: object, *, default: int, low: int, high: int) -> int:
    """`value` as an integer within [low, high]; `default` when it is not a whole number at all."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):  # includes Python's limit on very long digit strings
        return default
    return min(max(number, low), high)


def page_number(value: object) -> int:
    """A `?page=` value: 1 when missing or not a number, clamped to 1…MAX_PAGE."""
    return clamped_int(value, default=1, low=1, high=MAX_PAGE)

