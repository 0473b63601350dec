"""Sessions read from the cache, kept in the database (config.sessions: a login writes its new
session once)."""

from django.contrib.sessions.backends import cached_db

from config.sessions import CreateOnceMixin


class SessionStore(CreateOnceMixin, cached_db.SessionStore):
    pass
