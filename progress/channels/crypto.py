"""Encrypt and decrypt the robots' webhook URLs and secrets with the key settings name.

settings.CHANNELS_SECRET_KEY: one Fernet key, or several separated by commas (the first
encrypts, every one decrypts, so a key is rotated by putting the new one first). Unset, a key
derived from SECRET_KEY (development only). Plain text never leaves this module except to the
sender that posts it.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretUnreadable(Exception):
    """The stored secret was encrypted with a key that is no longer configured."""


def _fernet() -> MultiFernet:
    configured = [k.strip() for k in settings.CHANNELS_SECRET_KEY.split(",") if k.strip()]
    if not configured:
        digest = hashlib.sha256(f"channels:{settings.SECRET_KEY}".encode()).digest()
        configured = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(k.encode()) for k in configured])


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable from None
