"""gnt-cluster verify: what every node says, compared with the configuration.

Problems are printed as they are found, in upstream's format
("  - ERROR: node node2: ..."; with --error-codes
"  - ERROR:ENODEVERSION:node:node2:..."), so that scripts can parse them.
Errors make the verification fail; warnings do not.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from ganeti import constants
from ganeti.cmdlib import common
from ganeti.rpc import defs
from ganeti.utils import io

# Error codes, as upstream names them: (item type, code).
ECLUSTERCFG = ("cluster", "ECLUSTERCFG")
ECLUSTERFILECHECK = ("cluster", "ECLUSTERFILECHECK")
ENODERPC = ("node", "ENODERPC")
ENODEVERSION = ("node", "ENODEVERSION")
ENODEFILECHECK = ("node", "ENODEFILECHECK")
ENODESSCONF = ("node", "ENODESSCONF")
ENODENET = ("node", "ENODENET")
ENODEHV = ("node", "ENODEHV")
ENODETIME = ("node", "ENODETIME")
ENODEVERIFY = ("node", "ENODEVERIFY")
ENODEORPHANINSTANCE = ("node", "ENODEORPHANINSTANCE")
EINSTANCEBADNODE = ("instance", "EINSTANCEBADNODE")
EINSTANCEDOWN = ("instance", "EINSTANCEDOWN")
EINSTANCEWRONGNODE = ("instance", "EINSTANCEWRONGNODE")
EINSTANCEUP = ("instance", "EINSTANCEUP")  # ours: running although marked down


class ClusterVerifier:
    """One verification run; Run() returns True when no errors were found."""

    def __init__(self, cfg: Any, rpc: Any, feedback_fn: Callable[[str], None], op: Any):
        self.cfg = cfg
        self.rpc = rpc
        self.feedback_fn = feedback_fn
        self.op = op
        self.bad = False

    def _Report(self, ecode: tuple[str, str], item: str | None, msg: str,
                warning: bool = False) -> None:
        ltype = "WARNING" if warning else "ERROR"
        itype, etxt = ecode
        if self.op.error_codes:
            line = "%s:%s:%s:%s:%s" % (ltype, etxt, itype, item or "", msg)
        else:
            line = "%s: %s%s" % (ltype, "%s %s: " % (itype, item) if item else "", msg)
        self.feedback_fn("  - " + line)
        if not warning:
            self.bad = True

    def _Check(self, failed: bool, ecode: tuple[str, str], item: str | None, msg: str,
               warning: bool = False) -> bool:
        if failed or self.op.debug_simulate_errors:
            self._Report(ecode, item, msg, warning)
        return failed

    def Run(self) -> bool:
        feedback = self.feedback_fn
        feedback("* Verifying the configuration")
        for problem in self.cfg.VerifyConfig():
            self._Report(ECLUSTERCFG, None, problem)
        nodes = self.cfg.GetAllNodesInfo()
        online = sorted(n for n, node in nodes.items() if not node.offline)
        for name in sorted(set(nodes) - set(online)):
            feedback("  - NOTICE: node %s is offline, not checked" % name)
        all_files, mc_files = common.ComputeAncillaryFiles(self.cfg)
        mc_files = mc_files + [self.cfg.GetConfigFilename()]
        expected = {path: io.FileSha1(path) for path in all_files + mc_files}
        request = {
            constants.NV_VERSION: None,
            constants.NV_FILELIST: list(expected),
            constants.NV_SSCONF: None,
            constants.NV_TIME: None,
            constants.NV_HYPERVISOR: list(self.cfg.GetClusterInfo().enabled_hypervisors),
            constants.NV_NODENETTEST: [(n, nodes[n].primary_ip, nodes[n].secondary_ip
                                        or nodes[n].primary_ip) for n in online],
        }
        feedback("* Verifying %d online node(s)" % len(online))
        start = time.time()
        results = self.rpc.call_node_verify(online, request, self.cfg.GetClusterName())
        end = time.time()
        ssconf_values = self.cfg.GetSsconfValues()
        answered = []
        for name in online:
            res = results[name]
            if self._Check(bool(res.fail_msg), ENODERPC, name,
                           "while contacting node: %s" % res.fail_msg):
                continue
            if not isinstance(res.payload, dict):
                self._Report(ENODEVERIFY, name, "invalid verify answer %r" % (res.payload,))
                continue
            answered.append(name)
            self._VerifyNode(nodes[name], res.payload, expected, mc_files, all_files,
                             ssconf_values, start, end)
        self._VerifyInstances(nodes, answered)
        feedback("* Verification %s" % ("failed" if self.bad else "passed"))
        return not self.bad

    def _VerifyNode(self, node: Any, answer: dict[str, Any], expected: dict[str, str | None],
                    mc_files: list[str], all_files: list[str], ssconf_values: dict[str, str],
                    start: float, end: float) -> None:
        name = node.name
        version = answer.get(constants.NV_VERSION)
        if self._Check(not version or version[0] != constants.PROTOCOL_VERSION, ENODEVERSION,
                       name, "protocol version mismatch: master %s, node %s"
                       % (constants.PROTOCOL_VERSION, version and version[0])):
            return
        if version[1] != constants.RELEASE_VERSION:
            self._Report(ENODEVERSION, name, "software version mismatch: master %s, node %s"
                         % (constants.RELEASE_VERSION, version[1]), warning=True)
        files = answer.get(constants.NV_FILELIST, {})
        for path, checksum in expected.items():
            if checksum is None:
                continue
            remote = files.get(path)
            shown = defs.StripRoot(path)
            wanted = path in all_files or node.master_candidate
            if wanted:
                self._Check(remote is None, ENODEFILECHECK, name, "file %s missing" % shown)
                self._Check(remote is not None and remote != checksum, ENODEFILECHECK, name,
                            "file %s differs from the master's copy" % shown)
            elif path in mc_files and remote is not None:
                self._Report(ENODEFILECHECK, name, "file %s should not exist on a node that is"
                             " not a master candidate" % shown, warning=True)
        remote_ss = answer.get(constants.NV_SSCONF, {})
        for key, value in sorted(ssconf_values.items()):
            if remote_ss.get(key) != value:
                self._Report(ENODESSCONF, name, "ssconf %s differs from the configuration"
                             % key)
        for other, msg in sorted((answer.get(constants.NV_NODENETTEST) or {}).items()):
            self._Report(ENODENET, name, "tcp communication with node %s: %s" % (other, msg))
        for hv_name, msg in sorted((answer.get(constants.NV_HYPERVISOR) or {}).items()):
            self._Check(msg is not None, ENODEHV, name, "hypervisor %s verify failure: %s"
                        % (hv_name, msg))
        node_time = answer.get(constants.NV_TIME)
        if isinstance(node_time, (int, float)):
            skew = max(start - node_time, node_time - end, 0)
            self._Check(skew > constants.NODE_MAX_CLOCK_SKEW, ENODETIME, name,
                        "clock skew of %.1fs (more than %ds)" % (skew,
                                                                 constants.NODE_MAX_CLOCK_SKEW))

    def _VerifyInstances(self, nodes: dict[str, Any], answered: list[str]) -> None:
        """Instances against what runs where: down but marked up, up but marked
        down, running on a node other than their primary, unknown (orphans),
        on offline nodes. Nodes that did not answer node_verify are not asked."""
        instances = self.cfg.GetAllInstancesInfo()
        self.feedback_fn("* Verifying %d instance(s)" % len(instances))
        hvs = sorted(set(self.cfg.GetClusterInfo().enabled_hypervisors)
                     | {inst.hypervisor for inst in instances.values()})
        running: dict[str, set[str]] = {}
        lists = self.rpc.call_instance_list(answered, hvs) if answered else {}
        for node in answered:
            res = lists[node]
            if not self._Check(bool(res.fail_msg) or not isinstance(res.payload, list),
                               ENODEHV, node, "cannot list the running instances: %s"
                               % (res.fail_msg or "invalid answer %r" % (res.payload,))):
                running[node] = set(res.payload)
        for name, inst in sorted(instances.items()):
            offline = [n for n in inst.all_nodes if n in nodes and nodes[n].offline]
            self._Check(bool(offline), EINSTANCEBADNODE, name,
                        "instance lives on offline node(s) %s" % ", ".join(offline))
            pnode = inst.primary_node
            if pnode in running:
                is_up = name in running[pnode]
                self._Check(inst.admin_up and not is_up, EINSTANCEDOWN, name,
                            "instance not running on its primary node %s" % pnode)
                self._Check(not inst.admin_up and is_up, EINSTANCEUP, name,
                            "instance is running on its primary node %s but marked down"
                            % pnode)
            for node, names in sorted(running.items()):
                if node != pnode:
                    self._Check(name in names, EINSTANCEWRONGNODE, name,
                                "instance should not run on node %s" % node)
        for node, names in sorted(running.items()):
            for orphan in sorted(names - set(instances)):
                self._Report(ENODEORPHANINSTANCE, node, "instance %s on node %s should not"
                             " exist" % (orphan, node))
