"""The fields of `gnt-node list` (and RAPI's node objects), as upstream names them.

Configuration fields come from the configuration; live fields (memory, disk,
CPUs, boot id) need one node_info RPC per query, made only when one of them
is asked for. Unreachable or offline nodes show None for live fields.
"""

from __future__ import annotations

from typing import Any, Callable

from ganeti import errors
from ganeti.utils import text

_LIVE_FIELDS = {
    "mtotal": "memory_total", "mnode": "memory_dom0", "mfree": "memory_free",
    "dtotal": "vg_size", "dfree": "vg_free", "ctotal": "cpu_total",
    "cnodes": "cpu_nodes", "csockets": "cpu_sockets", "cnos": "cpu_dom0", "bootid": "bootid",
}


class NodeQuery:
    """Computes the requested fields for the requested nodes."""

    def __init__(self, cfg: Any, fields: list[str]):
        self.cfg = cfg
        self.fields = list(fields)
        self._static = self._StaticFields()
        unknown = [f for f in self.fields if f not in self._static and f not in _LIVE_FIELDS]
        if unknown:
            raise errors.OpPrereqError("Unknown output field(s): %s" % ", ".join(unknown),
                                       errors.ECODE_INVAL)

    def _StaticFields(self) -> dict[str, Callable[[Any, dict], Any]]:
        master = self.cfg.GetMasterNode()
        return {
            "name": lambda n, i: n.name,
            "uuid": lambda n, i: n.uuid,
            "pip": lambda n, i: n.primary_ip,
            "sip": lambda n, i: n.secondary_ip or n.primary_ip,
            "master": lambda n, i: n.name == master,
            "master_candidate": lambda n, i: n.master_candidate,
            "offline": lambda n, i: n.offline,
            "drained": lambda n, i: n.drained,
            "role": lambda n, i: n.GetRole(master),
            "tags": lambda n, i: list(n.tags),
            "serial_no": lambda n, i: n.serial_no,
            "ctime": lambda n, i: n.ctime,
            "mtime": lambda n, i: n.mtime,
            "pinst_cnt": lambda n, i: len(i["primary"].get(n.name, [])),
            "sinst_cnt": lambda n, i: len(i["secondary"].get(n.name, [])),
            "pinst_list": lambda n, i: text.NiceSort(i["primary"].get(n.name, [])),
            "sinst_list": lambda n, i: text.NiceSort(i["secondary"].get(n.name, [])),
        }

    def _InstanceMaps(self) -> dict[str, dict[str, list[str]]]:
        primary: dict[str, list[str]] = {}
        secondary: dict[str, list[str]] = {}
        for inst in self.cfg.GetAllInstancesInfo().values():
            primary.setdefault(inst.primary_node, []).append(inst.name)
            for node in inst.secondary_nodes:
                secondary.setdefault(node, []).append(inst.name)
        return {"primary": primary, "secondary": secondary}

    def _LiveData(self, rpc: Any, names: list[str]) -> dict[str, dict[str, Any]]:
        nodes = self.cfg.GetAllNodesInfo()
        online = [n for n in names if not nodes[n].offline]
        if not online or not any(f in _LIVE_FIELDS for f in self.fields):
            return {}
        results = rpc.call_node_info(online, self.cfg.GetVGName(), self.cfg.GetHypervisorType())
        return {name: res.payload for name, res in results.items()
                if not res.fail_msg and isinstance(res.payload, dict)}

    def Run(self, rpc: Any, wanted: list[str] | None) -> list[list[Any]]:
        nodes = self.cfg.GetAllNodesInfo()
        names = text.NiceSort(wanted if wanted is not None else nodes)
        live = self._LiveData(rpc, names)
        inst_maps = self._InstanceMaps() if any("inst" in f for f in self.fields) else {}
        rows = []
        for name in names:
            node = nodes[name]
            row = []
            for field in self.fields:
                if field in _LIVE_FIELDS:
                    row.append(live.get(name, {}).get(_LIVE_FIELDS[field]))
                else:
                    row.append(self._static[field](node, inst_maps))
            rows.append(row)
        return rows
