"""Session stores: Django's database and cached-database stores, with a login's new session
written once.

Django's login gives the session a new key (cycle_key: no session fixation) by INSERTing the
session at once, after asking the database whether the new random key is taken; the login then
adds the user to the session and SessionMiddleware UPDATEs it at the end of the request: four
statements and a query (each write in its own transaction). Here the new key is drawn at once
(axes and anything else in the login request see it) and the row is INSERTed once, by
SessionMiddleware, with the user in it. The primary key still guards against a taken key: the
INSERT fails and a fresh key is drawn, as Django's own create() does.

SESSION_ENGINE is config.sessions.db or config.sessions.cached_db (config/settings/base.py).
"""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError
from django.utils.crypto import get_random_string


class CreateOnceMixin:
    """cycle_key() without a write: the new session is created by the next save(). (The
    asynchronous acycle_key() is Django's: no view here logs in asynchronously.)"""

    _created_by_save = False

    def cycle_key(self) -> None:
        data = self._session
        key = self.session_key
        self._session_key = get_random_string(32, VALID_KEY_CHARS)
        self._session_cache = data
        self._created_by_save = True
        self.modified = True
        if key:
            self.delete(key)

    def save(self, must_create: bool = False) -> None:
        if not self._created_by_save:
            return super().save(must_create=must_create)
        try:
            super().save(must_create=True)
        except CreateError:
            # The drawn key is taken (2^165 keys): a fresh one, as Django's create() would.
            super().create()
        self._created_by_save = False
