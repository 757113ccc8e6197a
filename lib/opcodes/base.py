"""The OpCode base class: declared, typed parameters and the wire format.

An opcode is the description of one operation, as a client submits it and as
the job queue stores it: a JSON object with "OP_ID" and the parameters. Each
opcode class declares its parameters once in OP_PARAMS as
(name, default, check, doc); the generic ones (dry_run, debug_level,
priority) come from this base. Validate() is what the master runs on every
submitted opcode, before a job is written, so that a bad parameter is
refused with OpPrereqError(..., ECODE_INVAL) naming it instead of failing
later inside a logical unit.

Defaults: REQUIRED means the caller must give a value; None means optional
("not given", the logical unit picks the cluster default); anything else is
the value used when the parameter is absent.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from ganeti import constants, errors
from ganeti.opcodes import ht


class _Required:
    """Marker default: the parameter has no default and must be given."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED = _Required()

ParamDef = tuple[str, Any, ht.Check, str]

#: OP_ID -> opcode class, filled as classes are defined.
OP_MAPPING: dict[str, type["OpCode"]] = {}

_GENERIC_PARAMS: list[ParamDef] = [
    ("dry_run", False, ht.TBool, "Only check the prerequisites, change nothing"),
    ("debug_level", 0, ht.TNonNegativeInt, "Debug level for the operation and its scripts"),
    ("priority", constants.OP_PRIO_DEFAULT, ht.TElemOf(constants.OP_PRIO_SUBMIT_VALID),
     "Priority of the opcode in the job queue (lower runs first)"),
]

# Parameters several opcodes share, declared once.
PInstanceName: ParamDef = ("instance_name", REQUIRED, ht.TNonEmptyString, "Instance name")
PNodeName: ParamDef = ("node_name", REQUIRED, ht.TNonEmptyString, "Node name")
PForce: ParamDef = ("force", False, ht.TBool, "Whether to force the operation")
PIgnoreOfflineNodes: ParamDef = ("ignore_offline_nodes", False, ht.TBool,
                                 "Whether to ignore offline nodes")
PShutdownTimeout: ParamDef = ("shutdown_timeout", constants.DEFAULT_SHUTDOWN_TIMEOUT,
                              ht.TNonNegativeInt,
                              "Seconds to wait for an instance to shut down")
POutputFields: ParamDef = ("output_fields", REQUIRED, ht.TStrings, "Fields to return")
PNames: ParamDef = ("names", [], ht.TListOf(ht.TNonEmptyString),
                    "Names to query (empty for all)")
PUseLocking: ParamDef = ("use_locking", False, ht.TBool,
                         "Whether to take locks for consistent answers")
PStorageType: ParamDef = ("storage_type", REQUIRED, ht.TElemOf(constants.VALID_STORAGE_TYPES),
                          "Storage type")
PStorageName: ParamDef = ("name", REQUIRED, ht.TNonEmptyString, "Storage unit name")
PIAllocator: ParamDef = ("iallocator", None, ht.TNonEmptyString,
                         "Instance allocator plugin to choose nodes")
PTagKind: ParamDef = ("kind", REQUIRED, ht.TElemOf(constants.VALID_TAG_TYPES),
                      "Kind of the tagged object")
PHvParams: ParamDef = ("hvparams", {}, ht.TStringDict, "Hypervisor parameters")
PBeParams: ParamDef = ("beparams", {}, ht.TStringDict, "Backend parameters")


def _Fail(op_id: str, message: str) -> errors.OpPrereqError:
    return errors.OpPrereqError("%s: %s" % (op_id, message), errors.ECODE_INVAL)


class OpCode:
    """Base of all opcodes; see the module docstring for the parameter rules."""

    OP_ID: ClassVar[str] = "OP_CODE"
    OP_PARAMS: ClassVar[list[ParamDef]] = []
    #: Parameter shown in Summary(), e.g. "INSTANCE_STARTUP(inst1)".
    OP_DSC_FIELD: ClassVar[str | None] = None
    _ALL_PARAMS: ClassVar[dict[str, ParamDef]] = {p[0]: p for p in _GENERIC_PARAMS}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        params = dict(cls.__mro__[1]._ALL_PARAMS)
        for param in cls.__dict__.get("OP_PARAMS", []):
            if param[0] in params:
                raise errors.ProgrammerError("%s declares parameter %s twice"
                                             % (cls.__name__, param[0]))
            params[param[0]] = param
        cls._ALL_PARAMS = params
        if "OP_ID" in cls.__dict__:
            other = OP_MAPPING.get(cls.OP_ID)
            if other is not None:
                raise errors.ProgrammerError("OP_ID %s declared by both %s and %s"
                                             % (cls.OP_ID, other.__name__, cls.__name__))
            OP_MAPPING[cls.OP_ID] = cls
        if cls.OP_DSC_FIELD is not None and cls.OP_DSC_FIELD not in params:
            raise errors.ProgrammerError("%s: OP_DSC_FIELD %s is not a parameter"
                                         % (cls.__name__, cls.OP_DSC_FIELD))

    def __init__(self, **kwargs: Any) -> None:
        unknown = sorted(set(kwargs) - set(self._ALL_PARAMS))
        if unknown:
            raise _Fail(self.OP_ID, "unknown parameter(s) %s" % ", ".join(map(repr, unknown)))
        for name, default, _, _ in self._ALL_PARAMS.values():
            if name in kwargs:
                value = kwargs[name]
            elif default is REQUIRED:
                value = None
            elif isinstance(default, (list, dict)):
                value = copy.deepcopy(default)
            else:
                value = default
            setattr(self, name, value)

    @classmethod
    def GetParams(cls) -> list[ParamDef]:
        """All parameters of this opcode, generic ones first."""
        return list(cls._ALL_PARAMS.values())

    def Validate(self) -> None:
        """Raise OpPrereqError(ECODE_INVAL) naming the first bad parameter."""
        for name, default, check, _ in self._ALL_PARAMS.values():
            value = getattr(self, name)
            if value is None:
                if default is REQUIRED:
                    raise _Fail(self.OP_ID, "parameter '%s' is required" % name)
                if default is None:
                    continue
            if not check(value):
                raise _Fail(self.OP_ID, "parameter '%s' must be %s, got %r"
                            % (name, check.description, value))

    def __getstate__(self) -> dict[str, Any]:
        """The wire and job-file form: OP_ID plus every parameter."""
        state = {name: getattr(self, name) for name in self._ALL_PARAMS}
        state["OP_ID"] = self.OP_ID
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**{k: v for k, v in state.items() if k != "OP_ID"})

    @staticmethod
    def LoadOpCode(data: Any) -> "OpCode":
        """Build an opcode from its __getstate__ form (as received or stored)."""
        if not isinstance(data, dict):
            raise errors.OpPrereqError("An opcode must be a JSON object, got %r"
                                       % type(data).__name__, errors.ECODE_INVAL)
        op_id = data.get("OP_ID")
        cls = OP_MAPPING.get(op_id) if isinstance(op_id, str) else None
        if cls is None:
            raise errors.OpPrereqError("Unknown opcode OP_ID %r" % (op_id,), errors.ECODE_INVAL)
        return cls(**{k: v for k, v in data.items() if k != "OP_ID"})

    def Summary(self) -> str:
        """Short text for gnt-job's summary column: "TEST_DELAY(10)"."""
        name = self.OP_ID[3:] if self.OP_ID.startswith("OP_") else self.OP_ID
        if self.OP_DSC_FIELD is None:
            return name
        value = getattr(self, self.OP_DSC_FIELD)
        if value is None:
            return name
        if isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        return "%s(%s)" % (name, value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OpCode):
            return NotImplemented
        return self.__getstate__() == other.__getstate__()

    def __repr__(self) -> str:
        given = ", ".join("%s=%r" % (n, getattr(self, n)) for n, p in self._ALL_PARAMS.items()
                          if getattr(self, n) != p[1])
        return "<%s(%s)>" % (self.__class__.__name__, given)
