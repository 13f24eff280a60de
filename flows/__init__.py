"""Prefect flows: thin wrappers that run factflow's stages as Prefect tasks."""
