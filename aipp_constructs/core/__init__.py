"""Layer 1, core: the dependency graph and the values constructs exchange.

:class:`~aipp_constructs.core.component.Component` (a node of the graph with its edges),
:class:`~aipp_constructs.core.references.Endpoint` and the wiring of its facts into variables,
:class:`~aipp_constructs.core.port_defaults.PortDefaults` (what a port's components share),
security and policy exceptions, start-up waits, telemetry, validation, names, and the plain
manifest and pod-spec helpers every construct writes its objects with. Imports nothing from the
other layers.
"""
