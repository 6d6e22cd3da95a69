"""Where the training command runs: a container engine (docker, podman) with the image, or the host.

Each implements `mlgate.train.runner.Runtime`; `make_runtime` is what `mlgate.commands` calls.

Every runtime runs the same small shell wrapper: it records the Python version it finds (the environment
pin) in a file, then execs `sh -c "$MLGATE_COMMAND"`. The workspace is mounted at the same path inside the
container and is the working directory, so paths in the config and in the command mean the same thing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from mlgate.engines.process import stream
from mlgate.errors import BadInput, ServiceError
from mlgate.train.runner import Invocation, Outcome, Result

ENGINES = ("docker", "podman")
PYTHON_PROBE = "import platform; print(platform.python_version())"
WRAPPER = (
    'v=$( (python3 -c "$MLGATE_PYTHON_PROBE" || python -c "$MLGATE_PYTHON_PROBE") 2>/dev/null ); '
    'printf "%s" "$v" > "$MLGATE_PYTHON_VERSION_FILE" 2>/dev/null; '
    'exec /bin/sh -c "$MLGATE_COMMAND"'
)
# Lines an engine prints when it, not the training, failed to start the container.
_ENGINE_FAILURE_MARKERS = ("OCI runtime", "OCI permission denied", "runc create failed", "crun:",
                           "Cannot connect to the Docker daemon", "error while creating mount source")


def variables(inv: Invocation) -> dict[str, str]:
    """The variables the command sees, besides the host's (local) or none (containers): the job's, and the
    wrapper's."""
    return {
        **inv.env,
        "MLGATE_COMMAND": inv.command,
        "MLGATE_PYTHON_PROBE": PYTHON_PROBE,
        "MLGATE_PYTHON_VERSION_FILE": str(inv.python_version_file),
    }


def process_env(inv: Invocation) -> dict[str, str]:
    """The environment of the process we start (the shell, or the engine): the host's, then the variables."""
    return {**inv.host_env, **variables(inv)}


@dataclass(frozen=True)
class LocalRuntime:
    """Runs the command on the host: for laptops and the demo. The environment is not pinned."""

    name: str = "local"
    pinned: bool = False

    def run(self, inv: Invocation) -> Result:
        try:
            outcome = stream(["/bin/sh", "-c", WRAPPER], cwd=inv.workdir, env=process_env(inv),
                             log_path=inv.log_path, masker=inv.masker)
        except OSError as exc:
            raise ServiceError("cannot start /bin/sh to run the training command", str(exc),
                               "run mlgate on a POSIX system, or use the docker or podman runtime") from exc
        return Result(outcome, _read_version(inv.python_version_file))

    def image_digest(self, image: str | None) -> str | None:
        return None


@dataclass(frozen=True)
class ContainerRuntime:
    """docker or podman: `<engine> run --rm` with the workspace mounted at the same path."""

    name: str
    executable: str
    image: str
    run_args: tuple[str, ...] = field(default_factory=tuple)
    pinned: bool = True

    def argv(self, inv: Invocation) -> list[str]:
        """The engine command line. Variables go as `-e NAME` (values from the environment, not argv)."""
        argv = [self.executable, "run", "--rm", "--entrypoint", "/bin/sh"]
        for folder in _mount_set(inv.workdir, inv.mounts):
            argv += ["-v", f"{folder}:{folder}"]
        argv += ["-w", str(inv.workdir)]
        for name in sorted(variables(inv)):
            argv += ["-e", name]
        return [*argv, *self.run_args, self.image, "-c", WRAPPER]

    def run(self, inv: Invocation) -> Result:
        try:
            outcome = stream(self.argv(inv), cwd=inv.workdir, env=process_env(inv), log_path=inv.log_path,
                             masker=inv.masker)
        except OSError as exc:
            raise ServiceError(f"cannot start the container engine {self.executable}", str(exc),
                               f"install {self.name}, or choose another train.runtime") from exc
        if engine_failed(outcome):
            raise ServiceError(
                f"{self.name} could not run the training container (exit {outcome.returncode})",
                engine_reason(outcome.log_tail),
                _engine_fix(self.name),
            )
        return Result(outcome, _read_version(inv.python_version_file))

    def image_digest(self, image: str | None) -> str | None:
        """The digest of an image the engine has locally (for a tag reference, after the run pulled it)."""
        if not image:
            return None
        fmt = "{{.Digest}}" if self.name == "podman" else "{{index .RepoDigests 0}}"
        try:
            done = subprocess.run([self.executable, "image", "inspect", "--format", fmt, image],
                                  capture_output=True, text=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        value = done.stdout.strip().rsplit("@", 1)[-1]
        return value if done.returncode == 0 and value.startswith("sha256:") else None


def engine_failed(outcome: Outcome) -> bool:
    """True when the engine itself failed (125) or could not start the container (OCI errors)."""
    if outcome.returncode == 125:
        return True
    if outcome.returncode in (126, 127):
        return any(marker in line for line in outcome.log_tail for marker in _ENGINE_FAILURE_MARKERS)
    return False


def engine_reason(tail: Sequence[str]) -> str:
    """The line that says why the engine failed: not its closing "Run 'docker run --help'" hint."""
    useful = [line for line in tail if line.strip() and not line.startswith("Run '")]
    marked = [line for line in useful if any(marker in line for marker in _ENGINE_FAILURE_MARKERS)]
    return (marked or useful or ["no output"])[-1]


def _engine_fix(name: str) -> str:
    fix = f"check that {name} works (`{name} run --rm <image> true`) and that the image can be pulled"
    if name == "podman":
        fix += ("; where crun fails on setrlimit, set [engine] runtime = \"runc\" and [containers] "
                "default_ulimits = [] in /etc/containers/containers.conf, or add "
                "[\"--runtime\", \"runc\", \"--ulimit\", \"host\"] to train.runtime_args")
    return fix


def _mount_set(workdir: Path, mounts: Sequence[Path]) -> list[Path]:
    """The workspace plus extra folders that are not already inside a mounted folder."""
    chosen: list[Path] = [workdir.resolve()]
    for folder in sorted({m.resolve() for m in mounts}, key=lambda p: (len(p.parts), str(p))):
        if not any(folder == c or c in folder.parents for c in chosen):
            chosen.append(folder)
    return chosen


def _read_version(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    finally:
        path.unlink(missing_ok=True)
    return text or None


def _docker_works(executable: str) -> bool:
    """A docker CLI is not enough: its daemon must answer."""
    try:
        done = subprocess.run([executable, "version", "--format", "{{.Server.Version}}"],
                              capture_output=True, timeout=15, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def find_engine(requested: str) -> tuple[str, str]:
    """(name, executable) of the engine to use: the one requested, or for auto docker then podman."""
    if requested in ENGINES:
        executable = shutil.which(requested)
        if executable is None:
            raise ServiceError(f"container engine {requested!r} not found on PATH",
                               f"train.runtime (or --runtime) is {requested}",
                               f"install {requested}, or choose another runtime (docker, podman, local)")
        return requested, executable
    looked = []
    for name in ENGINES:
        executable = shutil.which(name)
        if executable is None:
            looked.append(f"{name} (not on PATH)")
        elif name == "docker" and not _docker_works(executable):
            looked.append(f"docker at {executable} (its daemon does not answer)")
        else:
            return name, executable
    raise ServiceError(
        "no container engine found for train.runtime auto",
        "looked for " + " and ".join(looked),
        "install docker or podman, or set train.runtime: local to run on the host (not pinned)",
    )


def make_runtime(requested: str, image: str | None,
                 run_args: Sequence[str]) -> LocalRuntime | ContainerRuntime:
    """The runtime for `train.runtime` / `--runtime`. A container runtime needs an image; its extra
    arguments pass the allowlist (`check_runtime_args`), whichever runtime is chosen."""
    check_runtime_args(run_args)
    if requested == "local":
        return LocalRuntime()
    if not image:
        raise BadInput("train.image is not set", f"the {requested} runtime runs the command in an image",
                       "set train.image to an image pinned by digest (name@sha256:…), or use runtime local")
    name, executable = find_engine(requested)
    return ContainerRuntime(name=name, executable=executable, image=image, run_args=tuple(run_args))


# --- train.runtime_args: what the pull request's mlgate.yaml may pass to `<engine> run` -----------------

# Flags that take a value, and which values: None means any value. Resources, GPUs, network none, the user.
_VALUED: dict[str, str | None] = {
    "--cpus": None, "--cpu-shares": None, "--cpuset-cpus": None, "--cpuset-mems": None,
    "--memory": None, "-m": None, "--memory-swap": None, "--memory-reservation": None,
    "--pids-limit": None, "--shm-size": None, "--ulimit": None,
    "--gpus": None,
    "--device": r"(/dev/(nvidia[0-9]+|nvidiactl|nvidia-uvm|nvidia-uvm-tools|nvidia-modeset|dri/[A-Za-z0-9]+)"
                r"(:/dev/[A-Za-z0-9/_-]+)?(:[rwm]+)?|[a-z0-9.-]+/[a-z0-9.-]+=[A-Za-z0-9_.-]+)",
    "--network": r"none|bridge|default|private|slirp4netns|pasta", "--net": r"none|bridge|default|private",
    "--user": r"[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?", "-u": r"[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?",
    "--userns": r"keep-id(:[a-z=0-9,]+)?|nomap|auto(:[a-z=0-9,]+)?|private",
    "--runtime": r"[A-Za-z0-9_.-]+",  # a name the engine knows (runc, crun), never a path to a program
    "--pull": r"never|missing|always|newer",  # the image is pinned by digest: pulling changes nothing
    "--cap-drop": None, "--security-opt": r"no-new-privileges(:true)?",
    "--stop-timeout": r"[0-9]+", "--hostname": r"[A-Za-z0-9.-]+",
}
_SWITCHES = {"--read-only", "--init", "--no-healthcheck"}  # flags that take no value
_REFUSED = (  # why a flag is refused (the flags a user is most likely to try, by kind)
    ({"-v", "--volume", "--mount", "--tmpfs", "--volumes-from", "--device-cgroup-rule", "--rootfs",
      "--image-volume"}, "it mounts a host path (or a folder) into the container"),
    ({"--privileged", "--cap-add", "--security-opt", "--pid", "--ipc", "--uts", "--cgroupns", "--group-add",
      "--network", "--net", "--userns", "--device", "--runtime", "--add-host", "--cgroup-parent"},
     "it gives the container privileges, capabilities or a host namespace (the host's network, processes "
     "or devices)"),
    ({"-e", "--env", "--env-file", "--env-host", "--env-merge", "--http-proxy", "--secret"},
     "it passes environment variables (the host's, or values that bypass train.env, which lineage records "
     "and the log masks)"),
)
ALLOWED_RUNTIME_ARGS = ", ".join(sorted({*_VALUED, *_SWITCHES}))


def check_runtime_args(args: Sequence[str], key: str = "train.runtime_args") -> None:
    """Refuse (BadInput, exit 2, naming it) any engine argument not on the allowlist: a pull request's
    mlgate.yaml may set resources, GPUs, `--network none` and the user, never a mount, a privilege, a
    capability, a host namespace, or the host's environment. `--flag=value`, `--flag value` and short
    bundles (`-itv`) are all read; a stray word (it would become the image) is refused too."""
    position = 0
    while position < len(args):
        arg = args[position]
        flag, has_value, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if not arg.startswith("--") and arg.startswith("-") and len(arg) > 2:
            flag, has_value, value = arg[:2], "=", arg[2:].lstrip("=")  # `-m512m`, `-v/:/h`, `-itv`
        if flag in _SWITCHES and not has_value:
            position += 1
            continue
        pattern = _VALUED.get(flag, "")
        if flag in _VALUED:
            if not has_value:
                position += 1
                if position >= len(args):
                    _refuse(key, arg, f"{flag} needs a value")
                value = args[position]
            if pattern is not None and not re.fullmatch(pattern, value):
                _refuse(key, f"{flag} {value}", _why(flag, f"{flag} {value} is not one of the allowed values "
                                                           f"({pattern})"))
            position += 1
            continue
        bundle = arg.startswith("-") and not arg.startswith("--") and len(arg) > 2
        _refuse(key, arg, _why_bundle(arg) if bundle else _why(
            flag, "it is not on the allowlist" if flag.startswith("-") else
            "a word that is not an option would be read as the image (or its command)"))


def _why_bundle(arg: str) -> str:
    """Why a short bundle (`-itv`, `-e=X`) is refused: the first of its letters that is refused by kind."""
    for letter in arg[1:]:
        why = _why(f"-{letter}", "")
        if why:
            return f"-{letter} in {arg}: {why}"
    return f"{arg[:2]} is not on the allowlist"


def _why(flag: str, default: str) -> str:
    return next((why for flags, why in _REFUSED if flag in flags), default)


def _refuse(key: str, arg: str, why: str) -> NoReturn:
    raise BadInput(
        f"{key}: {arg!r} is not allowed", why,
        f"remove it from {key}; the pull request's mlgate.yaml may pass only {ALLOWED_RUNTIME_ARGS} "
        "(docs/security.md, runtime_args); engine settings beyond them belong in the engine's own "
        "configuration on the runner (containers.conf, daemon.json), which the workflow controls; "
        "variables go in train.env")
