"""Helpers shared by the test suite and the benches.

`servers` (free port, waiting for /healthz, the live server's handle) and `voice` (a visitor's socket) need
neither pytest nor Django, so the benches import them outside Django. `live` holds the pytest fixtures that
start Daphne and the simulator on the test database; the root conftest registers it as a plugin.
"""
