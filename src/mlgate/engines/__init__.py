"""Container engines (an edge): docker, podman, or the host, running the training command.

They implement `mlgate.train.runner.Runtime`; `mlgate.commands` builds one (`runtimes.make_runtime`) and
passes it to train/, which never imports this package.
"""
