"""Signed conversation tokens, so a reply finds its conversation even when a mail program dropped the
In-Reply-To and References headers: one in the reply address (service+c42-1a2b3c4d@example.com) and one in
the subject ("[#42-1a2b3c4d]"). The signature stops anyone from guessing their way into a conversation by
number; threading also checks who sent the mail. Plain Python: no Django."""

import hashlib
import hmac
import re

SIGNATURE_LENGTH = 8
_ADDRESS = re.compile(rf"^[^@+]+\+c(\d{{1,18}})-([0-9a-f]{{{SIGNATURE_LENGTH}}})@", re.IGNORECASE)
_SUBJECT = re.compile(rf"\[#(\d{{1,18}})-([0-9a-f]{{{SIGNATURE_LENGTH}}})\]", re.IGNORECASE)


def sign(conversation_id: int, secret: str) -> str:
    mac = hmac.new(secret.encode(), f"conversation:{conversation_id}".encode(), hashlib.sha256)
    return mac.hexdigest()[:SIGNATURE_LENGTH]


def _verified(conversation_id: str, signature: str, secret: str) -> int | None:
    number = int(conversation_id)
    return number if hmac.compare_digest(sign(number, secret), signature.lower()) else None


def reply_address(base: str, conversation_id: int, secret: str) -> str:
    local, _, domain = base.partition("@")
    return f"{local}+c{conversation_id}-{sign(conversation_id, secret)}@{domain}"


def subject_token(conversation_id: int, secret: str) -> str:
    return f"[#{conversation_id}-{sign(conversation_id, secret)}]"


def from_addresses(addresses, secret: str) -> int | None:
    """The conversation a reply address names, if its signature is right."""
    for address in addresses:
        match = _ADDRESS.match(address)
        if match and (found := _verified(*match.groups(), secret)) is not None:
            return found
    return None


def from_subject(subject: str, secret: str) -> int | None:
    for match in _SUBJECT.finditer(subject):
        if (found := _verified(*match.groups(), secret)) is not None:
            return found
    return None


def without_token(subject: str) -> str:
    return _SUBJECT.sub("", subject).strip()
