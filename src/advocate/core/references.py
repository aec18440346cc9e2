"""Short references people can read out on the phone: no 0/O, 1/I/L, no vowels (no accidental words)."""

import secrets

_ALPHABET = "23456789BCDFGHJKMNPQRSTVWXYZ"


def new_reference(prefix: str, length: int = 8) -> str:
    return f"{prefix}-" + "".join(secrets.choice(_ALPHABET) for _ in range(length))
