"""The objects of the cluster configuration and their JSON form.

Every object declares its fields once (FIELDS); FromDict checks each value's
type against that declaration and names the offending field ("nodes['n1']
.primary_ip: expected a string, got 12"), so that a damaged config.data gives
a clear error instead of a traceback far away. UpgradeConfig brings objects
written by older versions (no UUIDs, 2.0-style NIC bridges, per-instance
global hypervisor parameters) up to date.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Callable, ClassVar, Iterable

from ganeti import constants, errors
from ganeti.utils import text

_TAG_RE = re.compile(r"^[\w.+*/:@-]+$")


class Field:
    """One declared attribute: its kind (for type checks) and its default.

    kind is one of str, int, bool, num, list, dict, strlist, obj, objlist,
    objdict; a trailing "?" allows None.
    """

    __slots__ = ("kind", "nullable", "default", "cls")

    def __init__(self, kind: str, default: Any = None, cls: type | None = None):
        self.nullable = kind.endswith("?")
        self.kind = kind.rstrip("?")
        self.default = default
        self.cls = cls

    def MakeDefault(self) -> Any:
        if callable(self.default):
            return self.default()
        return copy.deepcopy(self.default)


def _Describe(value: Any) -> str:
    return "%s %r" % (type(value).__name__, value) if not isinstance(value, (dict, list)) \
        else type(value).__name__


_SCALAR_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "str": (lambda v: isinstance(v, str), "a string"),
    "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "bool": (lambda v: isinstance(v, bool), "a boolean"),
    "num": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number"),
    "list": (lambda v: isinstance(v, (list, tuple)), "a list"),
    "dict": (lambda v: isinstance(v, dict), "an object"),
    "strlist": (lambda v: isinstance(v, (list, tuple)) and all(isinstance(i, str) for i in v),
                "a list of strings"),
}


def _TypeError(path: str, expected: str, value: Any) -> errors.ConfigurationError:
    return errors.ConfigurationError("%s: expected %s, got %s" % (path, expected, _Describe(value)))


class ConfigObject:
    """Base of every configuration object.

    Subclasses list their attributes in FIELDS; unknown keys in FromDict are
    an error, as are values of the wrong type.
    """

    FIELDS: ClassVar[dict[str, Field]] = {}

    def __init__(self, **kwargs: Any):
        for name, field in self.FIELDS.items():
            object.__setattr__(self, name, kwargs.pop(name) if name in kwargs
                               else field.MakeDefault())
        if kwargs:
            raise errors.ProgrammerError("%s has no attribute(s) %s"
                                         % (self.__class__.__name__, ", ".join(sorted(kwargs))))

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self.FIELDS:
            raise AttributeError("%s has no attribute %r" % (self.__class__.__name__, name))
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        key = getattr(self, "name", None) or getattr(self, "iv_name", None)
        return "<%s %s>" % (self.__class__.__name__, key if key is not None else id(self))

    # --- serialisation -----------------------------------------------------
    def ToDict(self) -> dict[str, Any]:
        """A JSON-ready dict; None values are left out."""
        result = {}
        for name, field in self.FIELDS.items():
            value = getattr(self, name)
            if value is None:
                continue
            if field.kind == "obj":
                value = value.ToDict()
            elif field.kind == "objlist":
                value = [item.ToDict() for item in value]
            elif field.kind == "objdict":
                value = {key: item.ToDict() for key, item in value.items()}
            elif field.kind in ("list", "strlist", "dict"):
                value = copy.deepcopy(value)
                if isinstance(value, tuple):
                    value = list(value)
            result[name] = value
        return result

    @classmethod
    def FromDict(cls, data: Any, path: str | None = None) -> "ConfigObject":
        """Build an object from its dict, checking every field's type."""
        path = path or cls.__name__.lower()
        if not isinstance(data, dict):
            raise _TypeError(path, "an object", data)
        unknown = sorted(set(data) - set(cls.FIELDS))
        if unknown:
            raise errors.ConfigurationError("%s: unknown field(s) %s" % (path, ", ".join(unknown)))
        kwargs = {}
        for name, value in data.items():
            kwargs[name] = cls._LoadField(cls.FIELDS[name], value, "%s.%s" % (path, name))
        return cls(**kwargs)

    @staticmethod
    def _LoadField(field: Field, value: Any, path: str) -> Any:
        if value is None:
            if field.nullable:
                return None
            raise errors.ConfigurationError("%s: must not be null" % path)
        if field.kind == "obj":
            return field.cls.FromDict(value, path)
        if field.kind == "objlist":
            if not isinstance(value, list):
                raise _TypeError(path, "a list", value)
            return [field.cls.FromDict(item, "%s[%d]" % (path, idx))
                    for idx, item in enumerate(value)]
        if field.kind == "objdict":
            if not isinstance(value, dict):
                raise _TypeError(path, "an object", value)
            return {key: field.cls.FromDict(item, "%s[%r]" % (path, key))
                    for key, item in value.items()}
        check, expected = _SCALAR_CHECKS[field.kind]
        if not check(value):
            raise _TypeError(path, expected, value)
        return value

    # upstream spells these both ways
    def to_dict(self) -> dict[str, Any]:
        return self.ToDict()

    @classmethod
    def from_dict(cls, data: Any) -> "ConfigObject":
        return cls.FromDict(data)

    def Copy(self) -> "ConfigObject":
        """A deep, independent copy."""
        return self.__class__.FromDict(self.ToDict())

    def UpgradeConfig(self) -> None:
        """Bring an object written by an older version up to date (in place)."""


class UuidObject(ConfigObject):
    """An object with a persistent UUID (2.1 design, "Introducing persistent UUIDs").

    The UUID is set once, at creation or upgrade, and can never change: an
    assignment of a different value is a programming error.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "uuid" and getattr(self, "uuid", None) and value != self.uuid:
            raise errors.ProgrammerError("The uuid of %r cannot be changed" % self)
        super().__setattr__(name, value)

    def EnsureUuid(self) -> bool:
        """Give the object a UUID if it has none; True if one was added."""
        if self.uuid:
            return False
        self.uuid = text.NewUUID()
        return True

    def UpgradeConfig(self) -> None:
        self.EnsureUuid()


def ValidateTag(tag: Any) -> None:
    """Refuse tags that are not short strings of safe characters."""
    if not isinstance(tag, str):
        raise errors.TagError("Invalid tag type (not a string)")
    if len(tag) > constants.MAX_TAG_LEN:
        raise errors.TagError("Tag too long (>%d characters)" % constants.MAX_TAG_LEN)
    if not tag:
        raise errors.TagError("Tags cannot be empty")
    if not _TAG_RE.match(tag):
        raise errors.TagError("Tag contains invalid characters")


class TaggableObject(UuidObject):
    """Objects that carry tags (cluster, node, instance)."""

    def GetTags(self) -> list[str]:
        return list(self.tags)

    def AddTag(self, tag: str) -> None:
        ValidateTag(tag)
        if tag in self.tags:
            return
        if len(self.tags) >= constants.MAX_TAGS_PER_OBJ:
            raise errors.TagError("Too many tags")
        self.tags = sorted(set(self.tags) | {tag})

    def RemoveTag(self, tag: str) -> None:
        if tag not in self.tags:
            raise errors.TagError("Tag not found")
        self.tags = [t for t in self.tags if t != tag]


def _Timestamps() -> dict[str, Field]:
    return {"serial_no": Field("int", 1), "ctime": Field("num", 0), "mtime": Field("num", 0)}


def FillDict(defaults: dict[str, Any], custom: dict[str, Any] | None,
             skip_keys: Iterable[str] = ()) -> dict[str, Any]:
    """defaults overridden by custom, minus skip_keys (a new dict)."""
    result = copy.deepcopy(defaults)
    if custom:
        result.update(copy.deepcopy(custom))
    for key in skip_keys:
        result.pop(key, None)
    return result


def UpgradeGroupedParams(target: dict[str, Any] | None,
                         defaults: dict[str, Any]) -> dict[str, Any]:
    """Fill a {"default": {...}} parameter group with any missing defaults."""
    target = dict(target or {})
    target[constants.PP_DEFAULT] = FillDict(defaults, target.get(constants.PP_DEFAULT))
    return target


class NIC(ConfigObject):
    """A network interface; mode and link live in nicparams (2.1 design)."""

    FIELDS = {
        "mac": Field("str?"),
        "ip": Field("str?"),
        "nicparams": Field("dict", dict),
        "bridge": Field("str?"),  # 2.0 only; UpgradeConfig moves it to nicparams
    }

    @classmethod
    def CheckParameterSyntax(cls, nicparams: dict[str, Any], ip: str | None = None) -> None:
        """Check filled nicparams: a known mode, a link for bridges, an IP when routed."""
        mode = nicparams.get(constants.NIC_MODE)
        if mode not in constants.NIC_VALID_MODES:
            raise errors.ConfigurationError("Invalid NIC mode %r (valid: %s)"
                                            % (mode, ", ".join(sorted(constants.NIC_VALID_MODES))))
        if mode == constants.NIC_MODE_BRIDGED and not nicparams.get(constants.NIC_LINK):
            raise errors.ConfigurationError("Missing bridged NIC link")
        if mode == constants.NIC_MODE_ROUTED and not ip:
            raise errors.ConfigurationError("A routed NIC needs an IP address")

    def UpgradeConfig(self) -> None:
        if self.bridge is not None:
            self.nicparams = dict(self.nicparams)
            self.nicparams.setdefault(constants.NIC_MODE, constants.NIC_MODE_BRIDGED)
            self.nicparams.setdefault(constants.NIC_LINK, self.bridge)
            self.bridge = None


class Disk(ConfigObject):
    """A block device of an instance, possibly with children (DRBD over LVs)."""

    FIELDS = {
        "dev_type": Field("str"),
        "logical_id": Field("list?"),
        "physical_id": Field("list?"),
        "children": Field("objlist", list),
        "iv_name": Field("str?"),
        "size": Field("int", 0),
        "mode": Field("str", constants.DISK_RDWR),
    }

    def GetNodes(self, primary: str) -> list[str]:
        """The nodes this disk lives on (both ends for DRBD)."""
        if self.dev_type in constants.LDS_DRBD and self.logical_id:
            return list(self.logical_id[:2])
        return [primary]

    def ComputeSecondaryNodes(self, primary: str) -> set[str]:
        nodes = set(self.GetNodes(primary))
        for child in self.children:
            nodes |= child.ComputeSecondaryNodes(primary)
        nodes.discard(primary)
        return nodes

    def UpgradeConfig(self) -> None:
        for child in self.children:
            child.UpgradeConfig()
        if self.mode not in constants.DISK_ACCESS_SET:
            self.mode = constants.DISK_RDWR


Disk.FIELDS["children"] = Field("objlist", list, Disk)


class Instance(TaggableObject):
    """A virtual machine as the cluster knows it."""

    FIELDS = {
        "name": Field("str"),
        "uuid": Field("str?"),
        "primary_node": Field("str"),
        "os": Field("str"),
        "hypervisor": Field("str"),
        "hvparams": Field("dict", dict),
        "beparams": Field("dict", dict),
        "admin_up": Field("bool", False),
        "nics": Field("objlist", list, NIC),
        "disks": Field("objlist", list, Disk),
        "disk_template": Field("str", constants.DT_DISKLESS),
        "network_port": Field("int?"),
        "tags": Field("strlist", list),
        **_Timestamps(),
    }

    @property
    def secondary_nodes(self) -> list[str]:
        nodes: set[str] = set()
        for disk in self.disks:
            nodes |= disk.ComputeSecondaryNodes(self.primary_node)
        return sorted(nodes)

    @property
    def all_nodes(self) -> list[str]:
        return [self.primary_node] + self.secondary_nodes

    def UpgradeConfig(self) -> None:
        """Add a UUID, move 2.0 NIC bridges to nicparams, drop global hvparams."""
        super().UpgradeConfig()
        for nic in self.nics:
            nic.UpgradeConfig()
        for disk in self.disks:
            disk.UpgradeConfig()
        for key in constants.HVC_GLOBALS:
            self.hvparams.pop(key, None)


class Node(TaggableObject):
    """A machine of the cluster."""

    FIELDS = {
        "name": Field("str"),
        "uuid": Field("str?"),
        "primary_ip": Field("str"),
        "secondary_ip": Field("str?"),
        "master_candidate": Field("bool", False),
        "offline": Field("bool", False),
        "drained": Field("bool", False),
        "tags": Field("strlist", list),
        **_Timestamps(),
    }

    def GetRole(self, master_node: str) -> str:
        """The node's role letter (constants.NR_*); upstream's precedence:
        master, candidate, drained, offline, regular."""
        if self.name == master_node:
            return constants.NR_MASTER
        if self.master_candidate:
            return constants.NR_MCANDIDATE
        if self.drained:
            return constants.NR_DRAINED
        if self.offline:
            return constants.NR_OFFLINE
        return constants.NR_REGULAR

    def UpgradeConfig(self) -> None:
        super().UpgradeConfig()
        if not self.secondary_ip:
            self.secondary_ip = self.primary_ip


class Cluster(TaggableObject):
    """Cluster-wide settings and the defaults instances inherit."""

    FIELDS = {
        "uuid": Field("str?"),
        "cluster_name": Field("str"),
        "master_node": Field("str"),
        "master_ip": Field("str"),
        "master_netdev": Field("str", "lo"),
        "mac_prefix": Field("str", constants.DEFAULT_MAC_PREFIX),
        "volume_group_name": Field("str?"),
        "file_storage_dir": Field("str", constants.DEFAULT_FILE_STORAGE_DIR),
        "enabled_hypervisors": Field("strlist", lambda: [constants.DEFAULT_ENABLED_HYPERVISOR]),
        "default_hypervisor": Field("str?"),  # 2.0; the first enabled one wins in 2.1
        "hvparams": Field("dict", dict),
        "beparams": Field("dict", dict),
        "nicparams": Field("dict", dict),
        "diskparams": Field("dict", dict),
        "candidate_pool_size": Field("int", constants.MASTER_POOL_SIZE_DEFAULT),
        "uid_pool": Field("list", list),
        "default_iallocator": Field("str", ""),
        "maintain_node_health": Field("bool", False),
        "modify_etc_hosts": Field("bool", False),
        "highest_used_port": Field("int", constants.FIRST_DRBD_PORT - 1),
        "tcpudp_port_pool": Field("list", list),
        "rsahostkeypub": Field("str?"),
        "default_bridge": Field("str?"),  # 2.0 only; UpgradeConfig moves it to nicparams
        "tags": Field("strlist", list),
        **_Timestamps(),
    }

    def UpgradeConfig(self) -> None:
        """Add a UUID and fill every parameter group with current defaults."""
        super().UpgradeConfig()
        if self.default_hypervisor:
            hvs = [self.default_hypervisor] + [h for h in self.enabled_hypervisors
                                               if h != self.default_hypervisor]
            self.enabled_hypervisors = hvs
            self.default_hypervisor = None
        hvparams = dict(self.hvparams)
        for hv_name, defaults in constants.HVC_DEFAULTS.items():
            hvparams[hv_name] = FillDict(defaults, hvparams.get(hv_name))
        self.hvparams = hvparams
        self.beparams = UpgradeGroupedParams(self.beparams, constants.BEC_DEFAULTS)
        nic_defaults = dict(constants.NICC_DEFAULTS)
        if self.default_bridge:
            nic_defaults[constants.NIC_LINK] = self.default_bridge
            self.default_bridge = None
        self.nicparams = UpgradeGroupedParams(self.nicparams, nic_defaults)
        self.diskparams = {tmpl: FillDict(constants.DISK_DT_DEFAULTS, self.diskparams.get(tmpl))
                           for tmpl in sorted(constants.DISK_TEMPLATES)}
        self.uid_pool = [tuple(r) for r in self.uid_pool]

    @property
    def primary_hypervisor(self) -> str:
        return self.enabled_hypervisors[0]

    def SimpleFillHV(self, hv_name: str, hvparams: dict[str, Any] | None,
                     skip_globals: bool = False) -> dict[str, Any]:
        """Cluster defaults of hv_name overridden by hvparams."""
        skip = constants.HVC_GLOBALS if skip_globals else ()
        return FillDict(self.hvparams.get(hv_name, {}), hvparams, skip)

    def FillHV(self, instance: Instance, skip_globals: bool = False) -> dict[str, Any]:
        """The effective hypervisor parameters of an instance."""
        return self.SimpleFillHV(instance.hypervisor, instance.hvparams, skip_globals)

    def SimpleFillBE(self, beparams: dict[str, Any] | None) -> dict[str, Any]:
        return FillDict(self.beparams.get(constants.PP_DEFAULT, {}), beparams)

    def FillBE(self, instance: Instance) -> dict[str, Any]:
        """The effective backend parameters (memory, vcpus...) of an instance."""
        return self.SimpleFillBE(instance.beparams)

    def SimpleFillNIC(self, nicparams: dict[str, Any] | None) -> dict[str, Any]:
        """Cluster NIC defaults overridden by a NIC's own nicparams."""
        return FillDict(self.nicparams.get(constants.PP_DEFAULT, {}), nicparams)

    def SimpleFillDP(self, disk_template: str, diskparams: dict[str, Any] | None) -> dict[str, Any]:
        return FillDict(self.diskparams.get(disk_template, {}), diskparams)


class OS(ConfigObject):
    """An OS definition found on a node (not stored in config.data)."""

    FIELDS = {
        "name": Field("str"),
        "path": Field("str"),
        "status": Field("str?"),
        "api_versions": Field("list", list),
        "supported_variants": Field("strlist", list),
        "create_script": Field("str?"),
        "export_script": Field("str?"),
        "import_script": Field("str?"),
        "rename_script": Field("str?"),
    }

    @staticmethod
    def SplitNameVariant(name: str) -> tuple[str, str]:
        """'debootstrap+lenny' → ('debootstrap', 'lenny'); no variant → ''."""
        base, _, variant = name.partition(constants.OS_VARIANT_SEP)
        return base, variant


class ConfigData(ConfigObject):
    """The whole of config.data."""

    FIELDS = {
        "version": Field("int", constants.CONFIG_VERSION),
        "cluster": Field("obj", None, Cluster),
        "nodes": Field("objdict", dict, Node),
        "instances": Field("objdict", dict, Instance),
        **_Timestamps(),
    }

    @classmethod
    def FromDict(cls, data: Any, path: str | None = None) -> "ConfigData":
        obj = super().FromDict(data, path or "config")
        if obj.cluster is None:
            raise errors.ConfigurationError("config: missing field cluster")
        return obj

    def UpgradeConfig(self) -> None:
        self.cluster.UpgradeConfig()
        for node in self.nodes.values():
            node.UpgradeConfig()
        for instance in self.instances.values():
            instance.UpgradeConfig()
