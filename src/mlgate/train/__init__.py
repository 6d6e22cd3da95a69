"""Training (the domain): the job and what it must write, lineage (the four pins), the data pin.

The engines that run the command (docker, podman, the host) are in `mlgate.engines`: `mlgate.commands`
builds one and passes it in as a `runner.Runtime`. train/ reads no environment variable.
"""
