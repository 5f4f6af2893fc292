#!/usr/bin/env bash
# A real single-node Slurm from Debian's packages (slurm-wlm, munge), to run
# docs/cluster/sweep.sbatch for real on one machine. Needs root on Debian 12 (or a
# container of it, without systemd: the daemons are started by hand). Not for CI: it
# installs packages and leaves three daemons running (munged, slurmctld, slurmd; their
# pids are in /run/munge/munged.pid and /run/slurm/).
#
#   sudo bash docs/cluster/slurm-single-node.sh
#   bash docs/cluster/sweep.sbatch       # then: squeue, and reports/ARRAY_JOB_ID/merged.json
#
# Measured on the project's 2-core machine (a Debian 12 container): 25 s to install the
# packages (Slurm 22.05; their lists already fetched), under a second to configure and start,
# and the first `sinfo` shows the node idle.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    apt-get update
    apt-get install -y --no-install-recommends slurm-wlm munge
fi

host="$(hostname -s)"
cpus="$(nproc)"
# What the node offers jobs: the machine's memory, less some for everything else.
memory_mb="$(( $(awk '/^MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))"

mkdir -p /etc/slurm /run/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
# No cgroups (a container may not offer them): processes tracked by parent id, no task
# binding; jobs run as root, which a single-user trial machine can live with.
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

# Munge authenticates Slurm's messages: a key, and its daemon running as its own user.
mkdir -p /run/munge
chown munge:munge /run/munge
if [ ! -s /etc/munge/munge.key ]; then
    mungekey --create --keyfile=/etc/munge/munge.key
fi
chown munge:munge /etc/munge/munge.key
chmod 400 /etc/munge/munge.key
if ! pgrep -u munge -x munged >/dev/null; then
    runuser -u munge -- munged
fi

pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd
# The controller takes a moment to answer.
for _ in $(seq 1 30); do
    if sinfo >/dev/null 2>&1; then
        break
    fi
    sleep 1
done
sinfo
