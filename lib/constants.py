"""Constants shared by every part of ganeti.

Names and values follow upstream Ganeti where they are part of a wire format,
a file format or a command line (see shared/design/protocol-facts.md); paths
live in ganeti.pathutils, not here, so that GANETI_ROOTDIR can move them.
"""

from __future__ import annotations

from ganeti import _version

RELEASE_VERSION = _version.RELEASE_VERSION
PROTOCOL_VERSION = 2010000  # RPC/luxi protocol between nodes of one cluster
CONFIG_MAJOR = 2
CONFIG_MINOR = 1
CONFIG_REVISION = 0
CONFIG_VERSION = CONFIG_MAJOR * 1000000 + CONFIG_MINOR * 10000 + CONFIG_REVISION
OS_API_V10 = 10
OS_API_V15 = 15
OS_API_VERSIONS = frozenset([OS_API_V10, OS_API_V15])
EXPORT_VERSION = 0
RAPI_VERSION = 2

# --- daemons and ports ----------------------------------------------------
MASTERD = "ganeti-masterd"
NODED = "ganeti-noded"
CONFD = "ganeti-confd"
RAPI = "ganeti-rapi"
WATCHER = "ganeti-watcher"
DAEMONS = (MASTERD, NODED, CONFD, RAPI)
DEFAULT_NODED_PORT = 1811
DEFAULT_CONFD_PORT = 1814
DEFAULT_RAPI_PORT = 5080
FIRST_DRBD_PORT = 11000
LAST_DRBD_PORT = 14999
DAEMONS_PORTS = {
    NODED: ("tcp", DEFAULT_NODED_PORT),
    CONFD: ("udp", DEFAULT_CONFD_PORT),
    RAPI: ("tcp", DEFAULT_RAPI_PORT),
}
IP4_ADDRESS_LOCALHOST = "127.0.0.1"
IP4_ADDRESS_ANY = "0.0.0.0"

# --- timeouts (seconds) ---------------------------------------------------
LUXI_DEF_CTMO = 10
LUXI_DEF_RWTO = 60
RPC_CONNECT_TIMEOUT = 5
RPC_TMO_URGENT = 60
RPC_TMO_FAST = 5 * 60
RPC_TMO_NORMAL = 15 * 60
RPC_TMO_SLOW = 3600
RPC_TMO_1DAY = 24 * 3600  # OS installation scripts
NODE_MAX_CLOCK_SKEW = 150
DEFAULT_SHUTDOWN_TIMEOUT = 120
JOB_QUEUE_ARCHIVE_AGE = 6 * 3600  # watcher archives jobs older than this

# --- users and files ------------------------------------------------------
SECURE_FILE_MODE = 0o600
RUN_DIRS_MODE = 0o755
SECURE_DIR_MODE = 0o700
DEFAULT_FILE_STORAGE_DIR = "/srv/ganeti/file-storage"
# /usr/share/ganeti/os last: where Debian's OS definition packages install
# (ganeti-os-noop, ganeti-instance-debootstrap), as Debian builds upstream.
OS_SEARCH_PATH = ("/srv/ganeti/os", "/usr/local/lib/ganeti/os", "/usr/lib/ganeti/os",
                  "/usr/share/ganeti/os")
OS_SCRIPT_CREATE = "create"
OS_SCRIPT_IMPORT = "import"
OS_SCRIPT_EXPORT = "export"
OS_SCRIPT_RENAME = "rename"
OS_SCRIPTS = frozenset([OS_SCRIPT_CREATE, OS_SCRIPT_IMPORT, OS_SCRIPT_EXPORT, OS_SCRIPT_RENAME])
OS_API_FILE = "ganeti_api_version"
OS_VARIANTS_FILE = "variants.list"
OS_VARIANT_SEP = "+"
OS_VALID_STATUS = "VALID"

# --- cluster and node ------------------------------------------------------
DEFAULT_BRIDGE = "xen-br0"
DEFAULT_MAC_PREFIX = "aa:00:00"
MASTER_POOL_SIZE_DEFAULT = 10
DEFAULT_ENABLED_HYPERVISOR = "kvm"

# Node roles, as confd encodes them (upstream numbering).
CONFD_NODE_ROLE_MASTER = 0
CONFD_NODE_ROLE_CANDIDATE = 1
CONFD_NODE_ROLE_OFFLINE = 2
CONFD_NODE_ROLE_DRAINED = 3
CONFD_NODE_ROLE_REGULAR = 4

# Node roles as the CLI and RAPI name them.
NR_MASTER = "M"
NR_MCANDIDATE = "C"
NR_DRAINED = "D"
NR_OFFLINE = "O"
NR_REGULAR = "R"
NR_ALL = frozenset([NR_MASTER, NR_MCANDIDATE, NR_DRAINED, NR_OFFLINE, NR_REGULAR])

# --- hypervisors -----------------------------------------------------------
HT_XEN_PVM = "xen-pvm"
HT_XEN_HVM = "xen-hvm"
HT_KVM = "kvm"
HT_FAKE = "fake"
HYPER_TYPES = frozenset([HT_XEN_PVM, HT_XEN_HVM, HT_KVM, HT_FAKE])
HTS_REQ_PORT = frozenset([HT_XEN_HVM, HT_KVM])  # need a network (VNC) port

HV_BOOT_ORDER = "boot_order"
HV_CDROM_IMAGE_PATH = "cdrom_image_path"
HV_NIC_TYPE = "nic_type"
HV_DISK_TYPE = "disk_type"
HV_VNC_BIND_ADDRESS = "vnc_bind_address"
HV_VNC_TLS = "vnc_tls"
HV_VNC_X509 = "vnc_x509_path"
HV_VNC_X509_VERIFY = "vnc_x509_verify"
HV_VNC_PASSWORD_FILE = "vnc_password_file"
HV_ACPI = "acpi"
HV_PAE = "pae"
HV_USE_BOOTLOADER = "use_bootloader"
HV_BOOTLOADER_PATH = "bootloader_path"
HV_BOOTLOADER_ARGS = "bootloader_args"
HV_KERNEL_PATH = "kernel_path"
HV_KERNEL_ARGS = "kernel_args"
HV_INITRD_PATH = "initrd_path"
HV_ROOT_PATH = "root_path"
HV_SERIAL_CONSOLE = "serial_console"
HV_USB_MOUSE = "usb_mouse"
HV_DEVICE_MODEL = "device_model"
HV_INIT_SCRIPT = "init_script"
HV_MIGRATION_PORT = "migration_port"
HV_MIGRATION_BANDWIDTH = "migration_bandwidth"
HV_MIGRATION_DOWNTIME = "migration_downtime"
HV_USE_LOCALTIME = "use_localtime"
HV_DISK_CACHE = "disk_cache"
HV_SECURITY_MODEL = "security_model"
HV_SECURITY_DOMAIN = "security_domain"
HV_KVM_FLAG = "kvm_flag"
HV_KVM_USE_CHROOT = "use_chroot"
HV_CPU_MASK = "cpu_mask"
HV_MEM_PATH = "mem_path"
HV_KVM_ACCEL = "kvm_accel"  # ours: "auto" | "kvm" | "tcg"

# The global hypervisor parameters of the 2.1 design: cluster-level only,
# an instance may not carry them (UpgradeConfig drops them from instances).
HVC_GLOBALS = frozenset([HV_MIGRATION_PORT, HV_MIGRATION_BANDWIDTH])

# Value types of the hypervisor parameters (as ganeti.utils.params names
# them), so that "acpi=false" from the command line becomes a boolean.
_HV_BOOL = (HV_VNC_TLS, HV_VNC_X509_VERIFY, HV_ACPI, HV_PAE, HV_USE_BOOTLOADER,
            HV_SERIAL_CONSOLE, HV_USE_LOCALTIME, HV_KVM_USE_CHROOT)
_HV_INT = (HV_MIGRATION_PORT, HV_MIGRATION_BANDWIDTH, HV_MIGRATION_DOWNTIME)
HVS_PARAMETER_TYPES = {
    name: ("bool" if name in _HV_BOOL else "int" if name in _HV_INT else "string")
    for name in (
        HV_BOOT_ORDER, HV_CDROM_IMAGE_PATH, HV_NIC_TYPE, HV_DISK_TYPE, HV_VNC_BIND_ADDRESS,
        HV_VNC_TLS, HV_VNC_X509, HV_VNC_X509_VERIFY, HV_VNC_PASSWORD_FILE, HV_ACPI, HV_PAE,
        HV_USE_BOOTLOADER, HV_BOOTLOADER_PATH, HV_BOOTLOADER_ARGS, HV_KERNEL_PATH,
        HV_KERNEL_ARGS, HV_INITRD_PATH, HV_ROOT_PATH, HV_SERIAL_CONSOLE, HV_USB_MOUSE,
        HV_DEVICE_MODEL, HV_INIT_SCRIPT, HV_MIGRATION_PORT, HV_MIGRATION_BANDWIDTH,
        HV_MIGRATION_DOWNTIME, HV_USE_LOCALTIME, HV_DISK_CACHE, HV_SECURITY_MODEL,
        HV_SECURITY_DOMAIN, HV_KVM_FLAG, HV_KVM_USE_CHROOT, HV_CPU_MASK, HV_MEM_PATH,
        HV_KVM_ACCEL)
}

# Cluster-wide defaults of every hypervisor's parameters (an instance's
# hvparams override them, except the globals above). The VNC password file
# default keeps 2.0's single cluster file (2.1 design, "VNC Console Password").
HVC_DEFAULTS = {
    HT_KVM: {
        HV_KERNEL_PATH: "/boot/vmlinuz-kvmU",
        HV_INITRD_PATH: "",
        HV_KERNEL_ARGS: "ro",
        HV_ROOT_PATH: "/dev/vda1",
        HV_ACPI: True,
        HV_SERIAL_CONSOLE: True,
        HV_VNC_BIND_ADDRESS: "",
        HV_VNC_TLS: False,
        HV_VNC_X509: "",
        HV_VNC_X509_VERIFY: False,
        HV_VNC_PASSWORD_FILE: "",
        HV_CDROM_IMAGE_PATH: "",
        HV_BOOT_ORDER: "disk",
        HV_NIC_TYPE: "paravirtual",
        HV_DISK_TYPE: "paravirtual",
        HV_USB_MOUSE: "",
        HV_MIGRATION_PORT: 8102,
        HV_MIGRATION_BANDWIDTH: 32,
        HV_MIGRATION_DOWNTIME: 30,
        HV_USE_LOCALTIME: False,
        HV_DISK_CACHE: "default",
        HV_SECURITY_MODEL: "none",
        HV_SECURITY_DOMAIN: "",
        HV_KVM_FLAG: "",
        HV_KVM_USE_CHROOT: False,
        HV_KVM_ACCEL: "auto",
    },
    HT_FAKE: {
        HV_MIGRATION_PORT: 8102,
    },
}

HT_BO_CDROM = "cdrom"
HT_BO_DISK = "disk"
HT_BO_NETWORK = "network"
HT_KVM_VALID_BO_TYPES = frozenset([HT_BO_CDROM, HT_BO_DISK, HT_BO_NETWORK])
HT_NIC_RTL8139 = "rtl8139"
HT_NIC_NE2K_PCI = "ne2k_pci"
HT_NIC_E1000 = "e1000"
HT_NIC_I82551 = "i82551"
HT_NIC_PARAVIRTUAL = HT_DISK_PARAVIRTUAL = "paravirtual"
HT_KVM_VALID_NIC_TYPES = frozenset([
    HT_NIC_RTL8139, HT_NIC_NE2K_PCI, HT_NIC_E1000, HT_NIC_I82551, HT_NIC_PARAVIRTUAL,
])
HT_DISK_IDE = "ide"
HT_DISK_SCSI = "scsi"
HT_DISK_SD = "sd"
HT_DISK_MTD = "mtd"
HT_DISK_PFLASH = "pflash"
HT_KVM_VALID_DISK_TYPES = frozenset([
    HT_DISK_PARAVIRTUAL, HT_DISK_IDE, HT_DISK_SCSI, HT_DISK_SD, HT_DISK_MTD, HT_DISK_PFLASH,
])
HT_CACHE_DEFAULT = "default"
HT_CACHE_NONE = "none"
HT_CACHE_WTHROUGH = "writethrough"
HT_CACHE_WBACK = "writeback"
HT_VALID_CACHE_TYPES = frozenset([HT_CACHE_DEFAULT, HT_CACHE_NONE, HT_CACHE_WTHROUGH, HT_CACHE_WBACK])
HT_KVM_ACCEL_AUTO = "auto"
HT_KVM_ACCEL_KVM = "kvm"
HT_KVM_ACCEL_TCG = "tcg"
HT_KVM_VALID_ACCEL = frozenset([HT_KVM_ACCEL_AUTO, HT_KVM_ACCEL_KVM, HT_KVM_ACCEL_TCG])
HT_MIGRATION_LIVE = "live"
HT_MIGRATION_NONLIVE = "non-live"
HT_MIGRATION_MODES = frozenset([HT_MIGRATION_LIVE, HT_MIGRATION_NONLIVE])
HT_SM_NONE = "none"
HT_SM_USER = "user"
HT_KVM_VALID_SM_TYPES = frozenset([HT_SM_NONE, HT_SM_USER])
HT_KVM_ENABLED = "enabled"
HT_KVM_DISABLED = "disabled"
HT_KVM_FLAG_VALUES = frozenset([HT_KVM_ENABLED, HT_KVM_DISABLED])
HT_MOUSE_MOUSE = "mouse"
HT_MOUSE_TABLET = "tablet"
HT_KVM_VALID_MOUSE_TYPES = frozenset([HT_MOUSE_MOUSE, HT_MOUSE_TABLET])
# Instance console kinds (upstream's InstanceConsole.kind values).
CONS_SSH = "ssh"
CONS_VNC = "vnc"
CONS_MESSAGE = "msg"

# Reboot kinds
INSTANCE_REBOOT_SOFT = "soft"
INSTANCE_REBOOT_HARD = "hard"
INSTANCE_REBOOT_FULL = "full"
REBOOT_TYPES = frozenset([INSTANCE_REBOOT_SOFT, INSTANCE_REBOOT_HARD, INSTANCE_REBOOT_FULL])

# Parameter groups ({"default": {...}}), room for the design's future
# instance classes.
PP_DEFAULT = "default"

# --- backend parameters --------------------------------------------------
BE_MEMORY = "memory"
BE_VCPUS = "vcpus"
BE_AUTO_BALANCE = "auto_balance"
BES_PARAMETER_TYPES = {  # value types as ganeti.utils.params names them
    BE_MEMORY: "size",
    BE_VCPUS: "int",
    BE_AUTO_BALANCE: "bool",
}
BEC_DEFAULTS = {
    BE_MEMORY: 128,
    BE_VCPUS: 1,
    BE_AUTO_BALANCE: True,
}

# --- NIC parameters (the 2.1 "net parameters") ------------------------------
NIC_MODE = "mode"
NIC_LINK = "link"
NIC_MODE_BRIDGED = "bridged"
NIC_MODE_ROUTED = "routed"
NIC_VALID_MODES = frozenset([NIC_MODE_BRIDGED, NIC_MODE_ROUTED])
NICS_PARAMETER_TYPES = {NIC_MODE: "string", NIC_LINK: "maybe-string"}
NICC_DEFAULTS = {NIC_MODE: NIC_MODE_BRIDGED, NIC_LINK: DEFAULT_BRIDGE}
VALUE_AUTO = "auto"
VALUE_GENERATE = "generate"
VALUE_NONE = "none"
VALUE_DEFAULT = "default"
VALUE_TRUE = "true"
VALUE_FALSE = "false"

# --- disk parameters (the 2.1 "disk parameters") ----------------------------
LD_LV = "lvm"
LD_DRBD8 = "drbd8"
LD_FILE = "file"
LDS_BLOCK = frozenset([LD_LV, LD_DRBD8])
LDS_DRBD = frozenset([LD_DRBD8])
DT_DISKLESS = "diskless"
DT_PLAIN = "plain"
DT_DRBD8 = "drbd"
DT_FILE = "file"
DISK_TEMPLATES = frozenset([DT_DISKLESS, DT_PLAIN, DT_DRBD8, DT_FILE])
DTS_NET_MIRROR = frozenset([DT_DRBD8])
DTS_NOT_LVM = frozenset([DT_DISKLESS, DT_FILE])
DISK_RDONLY = "ro"
DISK_RDWR = "rw"
DISK_ACCESS_SET = frozenset([DISK_RDONLY, DISK_RDWR])
FD_LOOP = "loop"
FD_BLKTAP = "blktap"
FILE_DRIVER = frozenset([FD_LOOP, FD_BLKTAP])
IDISK_SIZE = "size"
IDISK_MODE = "mode"
INIC_MAC = "mac"
INIC_IP = "ip"
INIC_MODE = "mode"
INIC_LINK = "link"
INIC_BRIDGE = "bridge"  # 2.0 name, accepted as link for bridged mode
LDP_STRIPES = "stripes"
LDP_STRIPE_SIZE = "stripe_size"
LDP_META_FLUSHES = "meta_flushes"
LDP_DATA_FLUSHES = "data_flushes"
DISK_DT_PARAMETER_TYPES = {
    LDP_STRIPES: "int",
    LDP_STRIPE_SIZE: "size",
    LDP_META_FLUSHES: "bool",
    LDP_DATA_FLUSHES: "bool",
}
DISK_DT_DEFAULTS = {
    LDP_STRIPES: 1,
    LDP_STRIPE_SIZE: 64,
    LDP_META_FLUSHES: True,
    LDP_DATA_FLUSHES: True,
}

# --- storage units (2.1 storage framework) --------------------------------
ST_FILE = "file"
ST_LVM_PV = "lvm-pv"
ST_LVM_VG = "lvm-vg"
VALID_STORAGE_TYPES = frozenset([ST_FILE, ST_LVM_PV, ST_LVM_VG])
SF_NAME = "name"
SF_NODE = "node"
SF_TYPE = "type"
SF_SIZE = "size"
SF_FREE = "free"
SF_USED = "used"
SF_ALLOCATABLE = "allocatable"
SO_FIX_CONSISTENCY = "fix-consistency"
VALID_STORAGE_FIELDS = frozenset([SF_NAME, SF_NODE, SF_SIZE, SF_FREE, SF_USED, SF_ALLOCATABLE])
MODIFIABLE_STORAGE_FIELDS = {ST_LVM_PV: frozenset([SF_ALLOCATABLE])}
VALID_STORAGE_OPERATIONS = {ST_LVM_VG: frozenset([SO_FIX_CONSISTENCY])}
# Local-disk status of a device (GetSyncStatus' ldisk_status), upstream values
LDS_OKAY = 1
LDS_UNKNOWN = 2
LDS_FAULTY = 3
LDS_NAMES = {LDS_OKAY: "ok", LDS_UNKNOWN: "unknown", LDS_FAULTY: "faulty"}
DRBD_META_SIZE = 128  # MiB: the external, indexed (index 0) meta-data LV of a DRBD8 disk
SYNC_SPEED = 60 * 1024  # KiB/s: DRBD resync rate ganeti sets

# --- instance state --------------------------------------------------------
INSTST_RUNNING = "running"
INSTST_ADMINDOWN = "ADMIN_down"
INSTST_NODEOFFLINE = "ERROR_nodeoffline"
INSTST_NODEDOWN = "ERROR_nodedown"
INSTST_WRONGNODE = "ERROR_wrongnode"
INSTST_ERRORUP = "ERROR_up"
INSTST_ERRORDOWN = "ERROR_down"
INSTANCE_CREATE = "create"
INSTANCE_IMPORT = "import"
INSTANCE_CREATE_MODES = frozenset([INSTANCE_CREATE, INSTANCE_IMPORT])
REPLACE_DISK_PRI = "replace_on_primary"  # replace-disks -p
REPLACE_DISK_SEC = "replace_on_secondary"  # replace-disks -s
REPLACE_DISK_CHG = "replace_new_secondary"  # replace-disks -n/-I
REPLACE_DISK_AUTO = "replace_auto"  # replace-disks -a
REPLACE_MODES = frozenset([REPLACE_DISK_PRI, REPLACE_DISK_SEC, REPLACE_DISK_CHG,
                           REPLACE_DISK_AUTO])
DDM_ADD = "add"  # instance modify: add a disk/NIC
DDM_REMOVE = "remove"  # instance modify: remove the last disk/NIC
DDMS_VALID = frozenset([DDM_ADD, DDM_REMOVE])
MAX_NICS = 8  # per instance, as upstream
MAX_DISKS = 16
VERIFY_NPLUSONE_MEM = "nplusone_mem"
VERIFY_OPTIONAL_CHECKS = frozenset([VERIFY_NPLUSONE_MEM])

# --- jobs and opcodes -----------------------------------------------------
JOB_STATUS_QUEUED = "queued"
JOB_STATUS_WAITLOCK = "waiting"
JOB_STATUS_RUNNING = "running"
JOB_STATUS_CANCELING = "canceling"
JOB_STATUS_CANCELED = "canceled"
JOB_STATUS_SUCCESS = "success"
JOB_STATUS_ERROR = "error"
JOB_STATUS_ALL = frozenset([
    JOB_STATUS_QUEUED, JOB_STATUS_WAITLOCK, JOB_STATUS_RUNNING, JOB_STATUS_CANCELING,
    JOB_STATUS_CANCELED, JOB_STATUS_SUCCESS, JOB_STATUS_ERROR,
])
JOBS_FINALIZED = frozenset([JOB_STATUS_CANCELED, JOB_STATUS_SUCCESS, JOB_STATUS_ERROR])
OP_STATUS_QUEUED = "queued"
OP_STATUS_WAITLOCK = "waiting"
OP_STATUS_RUNNING = "running"
OP_STATUS_CANCELING = "canceling"
OP_STATUS_CANCELED = "canceled"
OP_STATUS_SUCCESS = "success"
OP_STATUS_ERROR = "error"
OPS_FINALIZED = frozenset([OP_STATUS_CANCELED, OP_STATUS_SUCCESS, OP_STATUS_ERROR])
JOB_NOTCHANGED = "nochange"  # WaitForJobChange result when nothing changed
JOB_ID_TEMPLATE = r"\d+"
JOB_QUEUE_VERSION = 1
JOB_QUEUE_SIZE_HARD_LIMIT = 5000
JOB_QUEUE_SIZE_SOFT_LIMIT = JOB_QUEUE_SIZE_HARD_LIMIT * 0.8
JOB_QUEUE_DIRS_MODE = SECURE_DIR_MODE
JOB_QUEUE_FILES_PERMS = 0o640
JOB_ARCHIVE_DIR_RANGE = 10000  # archive/<id // range>/job-<id>
JOB_QUEUE_WORKERS = 25
ELOG_MESSAGE = "message"
ELOG_REMOTE_IMPORT = "remote-import"
OP_PRIO_LOWEST = 19
OP_PRIO_HIGHEST = -20
OP_PRIO_LOW = 10
OP_PRIO_NORMAL = 0
OP_PRIO_HIGH = -10
OP_PRIO_DEFAULT = OP_PRIO_NORMAL
OP_PRIO_SUBMIT_VALID = frozenset([OP_PRIO_LOW, OP_PRIO_NORMAL, OP_PRIO_HIGH])

# luxi
LUXI_EOM = b"\x03"
LUXI_KEY_METHOD = "method"
LUXI_KEY_ARGS = "args"
LUXI_KEY_SUCCESS = "success"
LUXI_KEY_RESULT = "result"
LUXI_KEY_VERSION = "version"

# --- hooks ------------------------------------------------------------------
HOOKS_PHASE_PRE = "pre"
HOOKS_PHASE_POST = "post"
HOOKS_NAME_CFGUPDATE = "config-update"
HOOKS_VERSION = 2
HKR_SKIP = 0
HKR_FAIL = 1
HKR_SUCCESS = 2
HTYPE_CLUSTER = "CLUSTER"
HTYPE_NODE = "NODE"
HTYPE_INSTANCE = "INSTANCE"

# --- confd (wire protocol of the 2.1 design) ------------------------------
CONFD_PROTOCOL_VERSION = 1
CONFD_MAGIC_FOURCC = b"plj0"
CONFD_REQ_PING = 0
CONFD_REQ_NODE_ROLE_BYNAME = 1
CONFD_REQ_NODE_PIP_BY_INSTANCE_IP = 2
CONFD_REQ_CLUSTER_MASTER = 3
CONFD_REQ_NODE_PIP_LIST = 4
CONFD_REQ_MC_PIP_LIST = 5
CONFD_REQ_INSTANCES_IPS_LIST = 6
# 7..11 are upstream's later types; ours serves none of them ("not implemented").
# The list form of "node primary IP by instance IP" is type 2 with a dict query.
CONFD_REQ_NODE_DRBD = 7
CONFD_REQ_NODE_INSTANCES = 8
CONFD_REQ_INSTANCE_DISKS = 9
CONFD_REQ_CONFIG_QUERY = 10
CONFD_REQ_DATA_COLLECTORS = 11
# Ours, for the 2.1 design's list where upstream has no type (kept clear of upstream's range).
CONFD_REQ_INSTANCE_LIST = 100
CONFD_REQ_INSTANCE_PNODE = 101
CONFD_REQ_NODE_ROLE_LIST = 102
CONFD_REQ_SERVER_STATS = 103
CONFD_REQS = frozenset(range(0, 12)) | frozenset(range(100, 104))
CONFD_REQQ_LINK = "0"
CONFD_REQQ_IP = "1"
CONFD_REQQ_IPLIST = "2"
CONFD_REQQ_FIELDS = "3"
CONFD_REQFIELD_NAME = "0"
CONFD_REQFIELD_IP = "1"
CONFD_REQFIELD_MNODE_PIP = "2"
CONFD_REPL_STATUS_OK = 0
CONFD_REPL_STATUS_ERROR = 1
CONFD_REPL_STATUS_NOTIMPLEMENTED = 2
CONFD_ERROR_UNKNOWN_ENTRY = 1
CONFD_ERROR_INTERNAL = 2
CONFD_ERROR_ARGUMENT = 3
CONFD_MAX_CLOCK_SKEW = 300
CONFD_DEFAULT_REQ_COVERAGE = 6
CONFD_CLIENT_EXPIRE_TIMEOUT = 10
CONFD_CONFIG_RELOAD_TIMEOUT = 60
CONFD_CONFIG_RELOAD_RATELIMIT = 0.25
MAX_UDP_DATA_SIZE = 61440
HMAC_KEY_BYTES = 20  # hex-encoded to 40 characters in hmac.key

# --- ssconf keys (each is a file ssconf_<key>) ----------------------------
SS_CLUSTER_NAME = "cluster_name"
SS_CLUSTER_TAGS = "cluster_tags"
SS_FILE_STORAGE_DIR = "file_storage_dir"
SS_MASTER_CANDIDATES = "master_candidates"
SS_MASTER_CANDIDATES_IPS = "master_candidates_ips"
SS_MASTER_IP = "master_ip"
SS_MASTER_NETDEV = "master_netdev"
SS_MASTER_NODE = "master_node"
SS_NODE_LIST = "node_list"
SS_NODE_PRIMARY_IPS = "node_primary_ips"
SS_NODE_SECONDARY_IPS = "node_secondary_ips"
SS_OFFLINE_NODES = "offline_nodes"
SS_ONLINE_NODES = "online_nodes"
SS_INSTANCE_LIST = "instance_list"
SS_RELEASE_VERSION = "release_version"
SS_HYPERVISOR_LIST = "hypervisor_list"
SS_MAINTAIN_NODE_HEALTH = "maintain_node_health"
SS_UID_POOL = "uid_pool"
SS_CONFIG_SERIAL = "config_serial"  # ours: lets nodes compare freshness cheaply
VALID_SS_KEYS = frozenset([
    SS_CLUSTER_NAME, SS_CLUSTER_TAGS, SS_FILE_STORAGE_DIR, SS_MASTER_CANDIDATES,
    SS_MASTER_CANDIDATES_IPS, SS_MASTER_IP, SS_MASTER_NETDEV, SS_MASTER_NODE,
    SS_NODE_LIST, SS_NODE_PRIMARY_IPS, SS_NODE_SECONDARY_IPS, SS_OFFLINE_NODES,
    SS_ONLINE_NODES, SS_INSTANCE_LIST, SS_RELEASE_VERSION, SS_HYPERVISOR_LIST,
    SS_MAINTAIN_NODE_HEALTH, SS_UID_POOL, SS_CONFIG_SERIAL,
])
SSCONF_FILEPREFIX = "ssconf_"

# --- user-id pool --------------------------------------------------------
UIDPOOL_UID_MIN = 0
UIDPOOL_UID_MAX = 2 ** 32 - 1

# --- tags and names -------------------------------------------------------
TAG_CLUSTER = "cluster"
TAG_NODE = "node"
TAG_INSTANCE = "instance"
VALID_TAG_TYPES = frozenset([TAG_CLUSTER, TAG_NODE, TAG_INSTANCE])
MAX_TAG_LEN = 128
MAX_TAGS_PER_OBJ = 4096

# --- iallocator ------------------------------------------------------------
IALLOCATOR_VERSION = 2
IALLOCATOR_DIR_IN = "in"
IALLOCATOR_DIR_OUT = "out"
IALLOCATOR_MODE_ALLOC = "allocate"
IALLOCATOR_MODE_RELOC = "relocate"
IALLOCATOR_MODE_BALANCE = "balance"
IALLOCATOR_MODE_CAPACITY = "capacity"
VALID_IALLOCATOR_MODES = frozenset([
    IALLOCATOR_MODE_ALLOC, IALLOCATOR_MODE_RELOC, IALLOCATOR_MODE_BALANCE,
    IALLOCATOR_MODE_CAPACITY,
])
IALLOCATOR_SEARCH_PATH = ("/usr/local/lib/ganeti/iallocators", "/usr/lib/ganeti/iallocators")

# --- RAPI -------------------------------------------------------------------
RAPI_ACCESS_WRITE = "write"
RAPI_ACCESS_READ = "read"
RAPI_ACCESS_ALL = frozenset([RAPI_ACCESS_WRITE, RAPI_ACCESS_READ])
HTTP_BASIC_AUTH_REALM = "Ganeti Remote API"

# --- RPC (ganeti.rpc and ganeti-noded) ----------------------------------------
RPC_ENCODING_NONE = 0  # (encoding, data) pairs for file and job contents
RPC_ENCODING_ZLIB_BASE64 = 1
RPC_ENCODINGS = frozenset([RPC_ENCODING_NONE, RPC_ENCODING_ZLIB_BASE64])
# node_verify request/result keys (upstream names; "ssconf" is ours)
NV_FILELIST = "filelist"
NV_HYPERVISOR = "hypervisor"
NV_NODENETTEST = "node-net-test"
NV_SSCONF = "ssconf"
NV_TIME = "time"
NV_VERSION = "version"
# Certificates (ganeti.utils.x509)
X509_CERT_DEFAULT_VALIDITY = 5 * 365  # days
SSL_CERT_EXPIRATION_WARN = 30  # days before expiry cluster verify warns
SSL_CERT_EXPIRATION_ERROR = 7  # days before expiry it is an error

# --- misc -------------------------------------------------------------------
EXIT_SUCCESS = 0
EXIT_FAILURE = 1
EXIT_NOTCLUSTER = 5
EXIT_NOTCANDIDATE = 10
EXIT_NOTMASTER = 11
EXIT_NODESETUP_ERROR = 12
EXIT_CONFIRMATION = 13
MLOCK_MCL_CURRENT = 1
MLOCK_MCL_FUTURE = 2
DEFAULT_VG = "xenvg"
MIN_VG_SIZE = 20480
CPU_PINNING_ALL = -1
