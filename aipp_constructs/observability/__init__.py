"""Layer 3, observability: metrics exporters, ServiceMonitors, alerting rules and dashboards.

Imports the core and the workloads layer (an exporter is a sidecar of a workload's pod).
"""
