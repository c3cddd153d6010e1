"""What the processes the source starts can read of it: the private bridge Tor of
``source send --bridge`` (and the pluggable transport it runs, which inherits Tor's
environment) gets the environment without any ``TYSHA_*`` variable: no passphrase, readable in
``/proc/<pid>/environ`` while that Tor lives, and nothing that names the app."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tysha.tor import client


def test_the_bridge_tor_does_not_get_the_passphrases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, the bridge Tor inherited the whole environment: TYSHA_PASSPHRASE and
    TYSHA_DECOY_PASSPHRASE could be read from /proc/<tor's pid>/environ by any process of the
    user while the send ran, and for as long as that Tor outlived a killed send."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    seen = tmp_path / "tor-environment"
    tor = bin_dir / "tor"
    # A stand-in Tor: records the environment it was given, says it bootstrapped, and waits
    # to be stopped as the real one would.
    tor.write_text(
        "#!/bin/sh\n"
        f"env > '{seen}.part' && mv '{seen}.part' '{seen}'\n"
        'echo "Bootstrapped 100% (done): Done" > "$(dirname "$2")/notice.log"\n'
        "exec sleep 60\n"
    )
    tor.chmod(0o755)
    plugin = bin_dir / "obfs4proxy"
    plugin.write_text("#!/bin/sh\nexit 1\n")
    plugin.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("TYSHA_PASSPHRASE", "vault-secret-words")
    monkeypatch.setenv("TYSHA_DECOY_PASSPHRASE", "decoy-secret-words")
    monkeypatch.setenv("TYSHA_TOR", "socks5://127.0.0.1:9050")
    monkeypatch.setenv("LANG", "uk_UA.UTF-8")
    monkeypatch.delenv("TYSHA_TOR_TORRC", raising=False)
    with client.bridge_client(["obfs4 192.0.2.1:443 cert=AAAA iat-mode=0"], timeout=30):
        text = seen.read_text()
    assert "secret-words" not in text
    names = {line.split("=", 1)[0] for line in text.splitlines() if "=" in line}
    assert not {n for n in names if n.startswith("TYSHA")}, names
    # What Tor and its plugins need to run is kept.
    assert "PATH" in names and "LANG" in names
    # The parent's own environment is left as it was.
    assert os.environ["TYSHA_PASSPHRASE"] == "vault-secret-words"
