"""System checks of the channels' key: an unusable CHANNELS_SECRET_KEY is an error at start-up
(not at the first send); none at all is a deployment warning (`manage.py check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def channels_key(app_configs, **kwargs):
    from cryptography.fernet import Fernet

    problems = []
    for n, key in enumerate(k.strip() for k in settings.CHANNELS_SECRET_KEY.split(",")):
        if not key:
            continue
        try:
            Fernet(key.encode())
        except ValueError:
            problems.append(
                Error(
                    f"CHANNELS_SECRET_KEY: key {n + 1} is not a Fernet key (32 url-safe base64 "
                    "bytes).",
                    hint="Make one with: python -c 'from cryptography.fernet import Fernet; "
                    "print(Fernet.generate_key().decode())'",
                    id="channels.E001",
                )
            )
    return problems


@register(deploy=True)
def channels_key_deploy(app_configs, **kwargs):
    if settings.CHANNELS_SECRET_KEY.strip():
        return []
    return [
        Warning(
            "CHANNELS_SECRET_KEY is not set: the robots' webhooks are encrypted with a key "
            "derived from SECRET_KEY, and become unreadable when SECRET_KEY changes.",
            id="channels.W001",
        )
    ]
