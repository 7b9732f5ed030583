"""A real single-node SLURM cluster for one test: munged, slurmctld and slurmd on localhost, with
their own key, ports, spool and state folders under a temporary folder (nothing of the machine's
own configuration is used or changed). `start_cluster` returns the environment that points sbatch
and squeue at it, or the exact reason it cannot start here."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Cluster:
    env: dict[str, str]
    folder: Path

    def stop(self) -> None:
        """Cancel every job first and give their step daemons (slurmstepd, outside the daemons' pid
        files) time to end: one left behind holds its job's resources and a later cluster's job ids."""
        subprocess.run(["scancel", "--full", f"--user={os.getuid()}"], env=self.env, capture_output=True, timeout=30)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            queued = subprocess.run(["squeue", "-h"], env=self.env, capture_output=True, text=True, timeout=30)
            if queued.returncode != 0 or not queued.stdout.strip():
                break
            time.sleep(0.5)
        for name in ("slurmd.pid", "slurmctld.pid", "munged.pid"):
            pid_file = self.folder / name
            if pid_file.is_file():
                try:
                    os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)
                except (ValueError, ProcessLookupError):
                    pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _config(folder: Path, ctld_port: int, d_port: int) -> str:
    host = socket.gethostname()
    return f"""ClusterName=sst2test
SlurmctldHost={host}(127.0.0.1)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={folder}/munge.socket
SlurmUser=root
SlurmdUser=root
SlurmctldPort={ctld_port}
SlurmdPort={d_port}
StateSaveLocation={folder}/state
SlurmdSpoolDir={folder}/spool
SlurmctldPidFile={folder}/slurmctld.pid
SlurmdPidFile={folder}/slurmd.pid
SlurmctldLogFile={folder}/slurmctld.log
SlurmdLogFile={folder}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName={host} NodeAddr=127.0.0.1 CPUs={os.cpu_count() or 1} RealMemory=2000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""


def start_cluster(folder: Path) -> tuple[Cluster | None, str]:
    """The cluster, or None and why not (said in the test's skip reason)."""
    missing = [name for name in ("munged", "slurmctld", "slurmd", "sbatch", "squeue") if shutil.which(name) is None]
    if missing:
        return None, f"{', '.join(missing)} not installed (Debian: apt-get install slurm-wlm munge)"
    if os.geteuid() != 0:
        return None, "slurmd must run as root to start jobs, and these tests do not run as root"
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    (folder / "state").mkdir()
    (folder / "spool").mkdir()
    key = folder / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o600)
    munged = subprocess.run(["munged", "--force", f"--key-file={key}", f"--socket={folder}/munge.socket",
                             f"--pid-file={folder}/munged.pid", f"--seed-file={folder}/munged.seed",
                             f"--log-file={folder}/munged.log"], capture_output=True, text=True)
    if munged.returncode != 0:
        return None, f"munged did not start: {(munged.stderr.strip().splitlines() or ['?'])[-1]}"
    conf = folder / "slurm.conf"
    conf.write_text(_config(folder, _free_port(), _free_port()))
    env = {**os.environ, "SLURM_CONF": str(conf)}
    cluster = Cluster(env, folder)
    for daemon in ("slurmctld", "slurmd"):
        started = subprocess.run([daemon, "-f", str(conf)], capture_output=True, text=True, env=env)
        if started.returncode != 0:
            cluster.stop()
            return None, f"{daemon} did not start: {(started.stderr.strip().splitlines() or ['?'])[-1]}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        info = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True, env=env)
        if info.returncode == 0 and info.stdout.strip() == "idle":
            return cluster, ""
        time.sleep(0.5)
    log = (folder / "slurmd.log").read_text().strip().splitlines()[-1:] if (folder / "slurmd.log").exists() else []
    cluster.stop()
    return None, f"the node never became idle in 30 s ({' '.join(log)[:200] or 'no slurmd log'})"
