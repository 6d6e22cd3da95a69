"""A tiny busybox image imported into the real podman, referenced by digest.

`busybox_image` (session fixture) builds a root file system holding /bin/busybox (Debian's busybox-static)
and a symlink per applet, `podman import`s it under a tag unique to the session, and yields
`localhost/mlgate-test-busybox@sha256:<digest>`. Tests using it are marked `podman`; they are skipped only
when podman is not installed — a podman that is installed but broken fails them.

Where crun (or runc with podman's default ulimits) fails on setrlimit, as on these machines, and the system
config does not already fix it, a containers.conf with `runtime = "runc"` and `default_ulimits = []` is
written to a temp dir and named by CONTAINERS_CONF for the session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPOSITORY = "localhost/mlgate-test-busybox"
BUSYBOX_CANDIDATES = ("/bin/busybox", "/usr/bin/busybox")
WORKAROUND_CONF = '[engine]\nruntime = "runc"\n\n[containers]\ndefault_ulimits = []\n'

needs_podman = pytest.mark.skipif(shutil.which("podman") is None, reason="podman is not installed")


@dataclass(frozen=True)
class BusyboxImage:
    reference: str  # localhost/mlgate-test-busybox@sha256:<digest>
    digest: str  # sha256:<digest>
    tag: str  # localhost/mlgate-test-busybox:<unique>


def _busybox() -> Path:
    for candidate in BUSYBOX_CANDIDATES:
        path = Path(candidate)
        if path.is_file():
            return path
    raise RuntimeError("busybox not found: install busybox-static (apt-get install busybox-static)")


def build_rootfs_tar(target: Path) -> Path:
    """A tar of a root file system: /bin/busybox, one symlink per applet, /tmp. Fixed mtimes."""
    busybox = _busybox()
    applets = subprocess.run([str(busybox), "--list"], capture_output=True, text=True, check=True).stdout.split()
    with tarfile.open(target, "w") as tar:
        for folder in ("bin", "tmp"):
            info = tarfile.TarInfo(folder)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o1777 if folder == "tmp" else 0o755, 0
            tar.addfile(info)
        info = tar.gettarinfo(str(busybox), "bin/busybox")
        info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "root", "root"
        with busybox.open("rb") as handle:
            tar.addfile(info, handle)
        for applet in sorted(set(applets) - {"busybox"}):
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type, link.linkname, link.mode, link.mtime = tarfile.SYMTYPE, "busybox", 0o777, 0
            tar.addfile(link)
    return target


def podman(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], capture_output=True, text=True, check=check, timeout=300)


def import_image(folder: Path) -> BusyboxImage:
    """Import the rootfs under a unique tag; its digest reference is what tests put in train.image."""
    tag = f"{REPOSITORY}:t{uuid.uuid4().hex[:12]}"
    archive = build_rootfs_tar(folder / "rootfs.tar")
    podman("import", "--change", 'CMD ["/bin/sh"]', str(archive), tag)
    digest = podman("image", "inspect", "--format", "{{.Digest}}", tag).stdout.strip()
    return BusyboxImage(reference=f"{REPOSITORY}@{digest}", digest=digest, tag=tag)


def ensure_runnable(image: BusyboxImage, folder: Path) -> str | None:
    """Run `true` in the image; apply the setrlimit workaround when needed. The CONTAINERS_CONF set, if any."""
    probe = podman("run", "--rm", image.reference, "/bin/true", check=False)
    if probe.returncode == 0:
        return None
    if "rlimit" not in probe.stderr:
        raise RuntimeError(f"podman cannot run a container here: {probe.stderr.strip()}")
    conf = folder / "containers.conf"
    conf.write_text(WORKAROUND_CONF)
    os.environ["CONTAINERS_CONF"] = str(conf)
    retry = podman("run", "--rm", image.reference, "/bin/true", check=False)
    if retry.returncode != 0:
        raise RuntimeError(f"podman cannot run a container even with runc and no ulimits: {retry.stderr}")
    return str(conf)


@pytest.fixture(scope="session")
def busybox_image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BusyboxImage]:
    """The imported busybox image (see the module docstring); removed at the end of the session."""
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed")
    folder = tmp_path_factory.mktemp("podman-image")
    previous = os.environ.get("CONTAINERS_CONF")
    image = import_image(folder)
    try:
        ensure_runnable(image, folder)
        yield image
    finally:
        podman("rmi", "--force", image.tag, check=False)
        if previous is None:
            os.environ.pop("CONTAINERS_CONF", None)
        else:
            os.environ["CONTAINERS_CONF"] = previous
