"""factflow's shell layer, installed as ``factflow_flows``: the ``factflow`` command line, the Prefect
flows (fact-check, review form), the Prefect runner of the pipeline, and the local Prefect server.

The domain package ``factflow`` never imports this one.
"""
