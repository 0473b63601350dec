"""Passwords are hashed with Argon2id at OWASP's parameters (config.hashers); a PBKDF2 hash
from before is replaced by an Argon2 one at its owner's next login."""

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse

from config.settings import base

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-9"
ARGON2_OWASP = "argon2$argon2id$v=19$m=19456,t=2,p=1$"


@pytest.fixture(autouse=True)
def production_hashers(settings):
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS


def test_argon2_is_first_with_owasp_parameters(reporter):
    assert base.PASSWORD_HASHERS[0] == "config.hashers.OwaspArgon2PasswordHasher"
    reporter.set_password(PASSWORD)
    assert reporter.password.startswith(ARGON2_OWASP)
    assert reporter.check_password(PASSWORD)


def test_a_pbkdf2_hash_is_upgraded_at_the_next_login(client, reporter):
    reporter.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    reporter.save()
    assert reporter.password.startswith("pbkdf2_sha256$")

    response = client.post(reverse("login"), {"username": reporter.username, "password": PASSWORD})

    assert response.status_code == 302
    reporter.refresh_from_db()
    assert reporter.password.startswith(ARGON2_OWASP)
    assert reporter.check_password(PASSWORD)


def test_a_wrong_password_does_not_upgrade_the_hash(client, reporter):
    reporter.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    reporter.save()
    old = reporter.password

    client.post(reverse("login"), {"username": reporter.username, "password": "wrong-one-123"})

    reporter.refresh_from_db()
    assert reporter.password == old
