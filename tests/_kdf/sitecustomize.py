"""Test runs only: every Python process the tests start derives passphrase keys at libsodium's
smallest Argon2id cost (1 pass, 8 KiB) instead of the product's 2 passes over 64 MiB.

tests/conftest.py puts this folder first on ``PYTHONPATH`` and sets ``TYSHA_TEST_ARGON2=min``, so
desks and vaults made or opened by the test worker itself, by ``python -m tysha.cli`` children
and by servers the tests start all use one cost. Nothing in the package reads that variable:
outside a test run this file is never on the path. ``tests/test_kdf_cost.py`` checks that a real
process without it uses the product's cost.
"""

import os

if os.environ.get("TYSHA_TEST_ARGON2") == "min":
    from tysha.protocol import atrest

    atrest.ARGON2_OPS, atrest.ARGON2_MEM = 1, 8192
