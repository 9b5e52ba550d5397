"""The transport faults, for the contract suite and the project's tests.

They live in :mod:`adapters.simulator.faults` (beside the simulated PSP), so that the hub's
deterministic simulation (``hub.simulation``) can inject them without importing the test
harness (DESIGN §1: ``hub`` imports ``adapters``; nothing imports ``contract_tests``).
"""

from adapters.simulator.faults import ArmedFault, Fault, FaultTransport, RecordedRequest

__all__ = ["ArmedFault", "Fault", "FaultTransport", "RecordedRequest"]
