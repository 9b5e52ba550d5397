"""Telemetry: Prometheus metrics, structured log context, optional OpenTelemetry tracing."""
