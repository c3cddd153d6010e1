"""Tor for real: onion-service publishing for the drop, a private Tor client for sources behind
bridges, and a private Tor network on loopback for tests, benchmarks and the demo."""
