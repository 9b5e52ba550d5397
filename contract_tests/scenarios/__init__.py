"""The conformance scenarios, one module per area. Each takes the ``target`` fixture
(parametrised by the plugin) and usually the ``h`` harness fixture."""
