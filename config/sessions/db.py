"""Sessions in the database (config.sessions: a login writes its new session once)."""

from django.contrib.sessions.backends import db

from config.sessions import CreateOnceMixin


class SessionStore(CreateOnceMixin, db.SessionStore):
    pass
