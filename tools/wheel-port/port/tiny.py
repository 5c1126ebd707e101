"""A 20-line port: a web workload and its PostgreSQL, wired by the graph."""

import cdk8s

import aipp_constructs as ac

app = cdk8s.App()
defaults = ac.PortDefaults(namespace="tiny", part_of="tiny", wait=ac.WaitPolicy(image="busybox:1.37.0"))
chart = ac.PortChart(app, "tiny", defaults)
user, password = (ac.SecretKeyRef(name="db-credentials", key=key) for key in ("username", "password"))
props = ac.PgvectorDbProps(name="db", image="postgres:17.6", database="tiny", username=user, password=password)
db = ac.PgvectorDb(chart, "Db", props)
web = ac.Workload(
    chart,
    "Web",
    ac.WorkloadProps(name="web", image="acme/web:1.0.0", ports=(ac.Port(name="http", number=8080),), depends_on=(db,)),
)
host: str = db.endpoint.host
app.synth()
