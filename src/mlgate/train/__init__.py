"""Training: container runtimes (docker, podman, local), lineage (the four pins), reproduce, promote.

`stage.run_train`, `reproduce.run_reproduce` and `promote.run_promote` are what the CLI calls; they are
the only modules that import mlflow (through `mlgate.registry`), lazily.
"""
