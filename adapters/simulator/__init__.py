"""The simulator: payhub's reference adapter and the local simulated PSP it talks to.

* :class:`SimulatorAdapter` (``flows.py``) - the adapter, entry point ``payhub.adapters: simulator``.
* :func:`create_app` / :func:`serve` (``app.py``) - the simulated PSP as a Litestar ASGI app.
* ``mapping.py`` - wire structs and the status / decline-code tables.
"""

from adapters.simulator.flows import SimulatorAdapter

__all__ = ["SimulatorAdapter"]
