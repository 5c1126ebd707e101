"""Layer 2, platform: what a port needs around its workloads, from the cluster's platform.

The namespace, Vault secrets through External Secrets, NetworkPolicies derived from the graph,
the TLS Ingress, the ArgoCD Application, Longhorn backups, ``pg_dump`` and post-sync checks, and
:class:`~aipp_constructs.platform.port_chart.PortChart`, the chart that holds a port's defaults
and assembles its policies. Imports only the core.
"""
