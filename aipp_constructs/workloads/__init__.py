"""Layer 2, workloads: the general application constructs over the core.

:class:`~aipp_constructs.workloads.workload.Workload` (any Compose service shape),
:class:`~aipp_constructs.workloads.one_shot_job.OneShotJob`,
:class:`~aipp_constructs.workloads.shared_claim.SharedClaim` and
:class:`~aipp_constructs.workloads.adopted_workload.AdoptedWorkload` (a cdk8s-plus-27 or L1
workload as a component). Imports only the core.
"""
