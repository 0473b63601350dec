"""Argon2id with OWASP's recommended minimum parameters (docs/passwords.md).

OWASP's Password Storage Cheat Sheet: Argon2id with m=19 MiB (19,456 KiB), t=2, p=1 (one of
its equivalent settings). Django's own Argon2PasswordHasher uses 100 MiB and 8 lanes: on the
2-core servers during the monthly rush that costs more memory per login and gains nothing from
lanes the machine does not have. A stored hash keeps its parameters; when these change,
Django re-hashes each password at its next login (must_update).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2"  # the same prefix: hashes of Django's Argon2 hasher stay readable
    time_cost = 2
    memory_cost = 19_456  # KiB
    parallelism = 1
