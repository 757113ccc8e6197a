"""Every file system path ganeti uses, derived from one root.

GANETI_ROOTDIR (read once, at import) prefixes all of them, which is what lets
several nodes of a "virtual cluster" live on one machine: each node's daemons
run with their own root. Code takes paths from here, never spells them out.
"""

from __future__ import annotations

import os

from ganeti import constants

ROOT_ENV = "GANETI_ROOTDIR"
HOSTNAME_ENV = "GANETI_HOSTNAME"

def GetRootDir() -> str:
    """The node root of this process ("" on a real node)."""
    return os.environ.get(ROOT_ENV, "").rstrip("/")


def Prefix(path: str) -> str:
    """Place an absolute path under this process's GANETI_ROOTDIR."""
    if not os.path.isabs(path):
        raise ValueError("Path %r is not absolute" % path)
    return GetRootDir() + path


def _Compute() -> dict[str, str]:
    """All paths for the current root, as a dict (used at import and by tests)."""
    p = Prefix
    conf_dir = p("/etc/ganeti")
    data_dir = p("/var/lib/ganeti")
    run_dir = p("/var/run/ganeti")
    log_dir = p("/var/log/ganeti")
    queue_dir = os.path.join(data_dir, "queue")
    socket_dir = os.path.join(run_dir, "socket")
    paths = dict(
        ROOT_DIR=GetRootDir(),
        CONF_DIR=conf_dir,
        DATA_DIR=data_dir,
        RUN_DIR=run_dir,
        LOG_DIR=log_dir,
        BACKUP_DIR=os.path.join(data_dir, "backup"),
        DISK_LINKS_DIR=os.path.join(run_dir, "instance-disks"),
        CRYPTO_KEYS_DIR=os.path.join(run_dir, "crypto"),
        SOCKET_DIR=socket_dir,
        MASTER_SOCKET=os.path.join(socket_dir, "ganeti-master"),
        CLUSTER_CONF_FILE=os.path.join(data_dir, "config.data"),
        NODED_CERT_FILE=os.path.join(data_dir, "server.pem"),
        RAPI_CERT_FILE=os.path.join(data_dir, "rapi.pem"),
        CONFD_HMAC_KEY=os.path.join(data_dir, "hmac.key"),
        RAPI_USERS_FILE=os.path.join(data_dir, "rapi_users"),
        CLUSTER_DOMAIN_SECRET_FILE=os.path.join(data_dir, "cluster-domain-secret"),
        SSCONF_DIR=data_dir,
        WATCHER_STATEFILE=os.path.join(data_dir, "watcher.data"),
        WATCHER_PAUSEFILE=os.path.join(data_dir, "watcher.pause"),
        INSTANCE_UPFILE=os.path.join(run_dir, "instance-status"),
        SSH_KNOWN_HOSTS_FILE=os.path.join(data_dir, "known_hosts"),
        UIDPOOL_LOCKDIR=os.path.join(run_dir, "uid-pool"),
        QUEUE_DIR=queue_dir,
        JOB_QUEUE_LOCK_FILE=os.path.join(queue_dir, "lock"),
        JOB_QUEUE_VERSION_FILE=os.path.join(queue_dir, "version"),
        JOB_QUEUE_SERIAL_FILE=os.path.join(queue_dir, "serial"),
        JOB_QUEUE_ARCHIVE_DIR=os.path.join(queue_dir, "archive"),
        JOB_QUEUE_DRAIN_FILE=os.path.join(queue_dir, "drain"),
        HOOKS_BASE_DIR=os.path.join(conf_dir, "hooks"),
        FILE_LIST_TO_DISTRIBUTE=os.path.join(conf_dir, "files-to-distribute"),
        HOSTS_FILE=os.path.join(conf_dir, "hosts"),
        SSH_CONFIG_DIR=p("/etc/ssh"),
        SSH_ROOT_DIR=p("/root/.ssh"),
        LOCK_DIR=p("/var/lock"),
        KVM_INSTANCE_DIR=os.path.join(run_dir, "kvm-hypervisor"),
        FAKE_HV_DIR=os.path.join(run_dir, "fake-hypervisor"),
        DEFAULT_FILE_STORAGE_DIR=p("/srv/ganeti/file-storage"),
        DEFAULT_VNC_PASSWORD_FILE=os.path.join(conf_dir, "vnc-cluster-password"),
        OS_SEARCH_PATH=":".join(p(d) for d in constants.OS_SEARCH_PATH),
        IALLOCATOR_SEARCH_PATH=":".join(p(d) for d in
                                        ("/usr/local/lib/ganeti/iallocators",
                                         "/usr/lib/ganeti/iallocators")),
    )
    return paths


_P = _Compute()

# Module-level names, as upstream code expects (pathutils.CLUSTER_CONF_FILE).
ROOT_DIR: str = _P["ROOT_DIR"]
CONF_DIR: str = _P["CONF_DIR"]
DATA_DIR: str = _P["DATA_DIR"]
RUN_DIR: str = _P["RUN_DIR"]
LOG_DIR: str = _P["LOG_DIR"]
BACKUP_DIR: str = _P["BACKUP_DIR"]
DISK_LINKS_DIR: str = _P["DISK_LINKS_DIR"]
CRYPTO_KEYS_DIR: str = _P["CRYPTO_KEYS_DIR"]
SOCKET_DIR: str = _P["SOCKET_DIR"]
MASTER_SOCKET: str = _P["MASTER_SOCKET"]
CLUSTER_CONF_FILE: str = _P["CLUSTER_CONF_FILE"]
NODED_CERT_FILE: str = _P["NODED_CERT_FILE"]
RAPI_CERT_FILE: str = _P["RAPI_CERT_FILE"]
CONFD_HMAC_KEY: str = _P["CONFD_HMAC_KEY"]
RAPI_USERS_FILE: str = _P["RAPI_USERS_FILE"]
CLUSTER_DOMAIN_SECRET_FILE: str = _P["CLUSTER_DOMAIN_SECRET_FILE"]
SSCONF_DIR: str = _P["SSCONF_DIR"]
WATCHER_STATEFILE: str = _P["WATCHER_STATEFILE"]
WATCHER_PAUSEFILE: str = _P["WATCHER_PAUSEFILE"]
INSTANCE_UPFILE: str = _P["INSTANCE_UPFILE"]
SSH_KNOWN_HOSTS_FILE: str = _P["SSH_KNOWN_HOSTS_FILE"]
UIDPOOL_LOCKDIR: str = _P["UIDPOOL_LOCKDIR"]
QUEUE_DIR: str = _P["QUEUE_DIR"]
JOB_QUEUE_LOCK_FILE: str = _P["JOB_QUEUE_LOCK_FILE"]
JOB_QUEUE_VERSION_FILE: str = _P["JOB_QUEUE_VERSION_FILE"]
JOB_QUEUE_SERIAL_FILE: str = _P["JOB_QUEUE_SERIAL_FILE"]
JOB_QUEUE_ARCHIVE_DIR: str = _P["JOB_QUEUE_ARCHIVE_DIR"]
JOB_QUEUE_DRAIN_FILE: str = _P["JOB_QUEUE_DRAIN_FILE"]
HOOKS_BASE_DIR: str = _P["HOOKS_BASE_DIR"]
FILE_LIST_TO_DISTRIBUTE: str = _P["FILE_LIST_TO_DISTRIBUTE"]
HOSTS_FILE: str = _P["HOSTS_FILE"]
SSH_CONFIG_DIR: str = _P["SSH_CONFIG_DIR"]
SSH_ROOT_DIR: str = _P["SSH_ROOT_DIR"]
LOCK_DIR: str = _P["LOCK_DIR"]
KVM_INSTANCE_DIR: str = _P["KVM_INSTANCE_DIR"]
FAKE_HV_DIR: str = _P["FAKE_HV_DIR"]
DEFAULT_FILE_STORAGE_DIR: str = _P["DEFAULT_FILE_STORAGE_DIR"]
DEFAULT_VNC_PASSWORD_FILE: str = _P["DEFAULT_VNC_PASSWORD_FILE"]
OS_SEARCH_PATH: str = _P["OS_SEARCH_PATH"]
IALLOCATOR_SEARCH_PATH: str = _P["IALLOCATOR_SEARCH_PATH"]


def GetLogFilename(daemon_name: str) -> str:
    """The log file of a daemon or command, under LOG_DIR."""
    return os.path.join(LOG_DIR, "%s.log" % daemon_name.replace("ganeti-", ""))


def GetPidFilename(daemon_name: str) -> str:
    """The pid file of a daemon, under RUN_DIR."""
    return os.path.join(RUN_DIR, "%s.pid" % daemon_name)


def GetSsconfFilename(key: str, ssconf_dir: str | None = None) -> str:
    """The file holding one ssconf value."""
    return os.path.join(ssconf_dir or SSCONF_DIR, "ssconf_%s" % key)


def GetOsSearchPath() -> list[str]:
    """The OS definition search path, in priority order."""
    return OS_SEARCH_PATH.split(":")
