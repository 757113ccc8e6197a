"""Pieces several logical units share: parameter checks and file distribution.

The 2.1 design's "Redistribute Config" asks that one piece of code ships
the cluster's files for redist-conf, node add and a node's promotion to
master candidate; RedistributeAncillaryFiles is that piece.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any, Callable, Iterable

from ganeti import constants, errors, objects, pathutils, ssconf, uidpool
from ganeti.backend import files as backend_files
from ganeti.utils import params

_MAC_PREFIX_RE = re.compile(r"^[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$")

WarnFn = Callable[[str], None]


def ForceHvParamTypes(hv_name: str, hvparams: dict[str, Any],
                      instance_level: bool = False) -> dict[str, Any]:
    """hvparams of one hypervisor (CLI strings, RAPI JSON) typed.

    Names that hypervisor does not have are refused with its own list (the
    types table covers every hypervisor, so it cannot tell). Values None or
    "default" stay None (reset to the inherited value).
    """
    from ganeti import hypervisor
    try:
        names = hypervisor.GetHypervisorClass(hv_name).PARAMETERS
    except errors.HypervisorError as err:
        raise errors.OpPrereqError(str(err.args[0]), errors.ECODE_INVAL) from err
    unknown = sorted(set(hvparams) - set(names))
    if unknown:
        known = sorted(set(names) - (constants.HVC_GLOBALS if instance_level else set()))
        raise errors.OpPrereqError("Unknown hypervisor parameter(s) for %s: %s (known: %s)"
                                   % (hv_name, ", ".join(unknown), ", ".join(known) or "none"),
                                   errors.ECODE_INVAL)
    types = {name: constants.HVS_PARAMETER_TYPES.get(name, params.VTYPE_STRING)
             for name in names}
    return params.ForceDictType(dict(hvparams), types)


def CheckHvParams(hv_name: str, hvparams: dict[str, Any]) -> None:
    """Syntax check of a cluster-level (filled) hvparams dict of one hypervisor."""
    from ganeti import hypervisor
    try:
        hypervisor.GetHypervisorClass(hv_name).CheckParameterSyntax(hvparams)
    except errors.HypervisorError as err:
        raise errors.OpPrereqError("Hypervisor %s: %s" % (hv_name, err.args[0]),
                                   errors.ECODE_INVAL) from err


def CheckClusterParams(cluster: objects.Cluster) -> None:
    """Everything cluster-wide a user can set must make sense together."""
    from ganeti import hypervisor
    if not cluster.enabled_hypervisors:
        raise errors.OpPrereqError("At least one hypervisor must be enabled", errors.ECODE_INVAL)
    for hv_name in cluster.enabled_hypervisors:
        if hv_name not in constants.HYPER_TYPES:
            raise errors.OpPrereqError("Unknown hypervisor %r (known: %s)"
                                       % (hv_name, ", ".join(sorted(constants.HYPER_TYPES))),
                                       errors.ECODE_INVAL)
        try:
            hypervisor.GetHypervisorClass(hv_name)
        except errors.HypervisorError as err:
            raise errors.OpPrereqError(str(err.args[0]), errors.ECODE_INVAL) from err
        CheckHvParams(hv_name, cluster.SimpleFillHV(hv_name, {}))
    params.ForceDictType(cluster.beparams[constants.PP_DEFAULT], constants.BES_PARAMETER_TYPES)
    nic_defaults = cluster.nicparams[constants.PP_DEFAULT]
    params.ForceDictType(nic_defaults, constants.NICS_PARAMETER_TYPES)
    if nic_defaults.get(constants.NIC_MODE) not in constants.NIC_VALID_MODES:
        raise errors.OpPrereqError("Invalid default NIC mode %r" % nic_defaults.get(constants.NIC_MODE),
                                   errors.ECODE_INVAL)
    if (nic_defaults[constants.NIC_MODE] == constants.NIC_MODE_BRIDGED
            and not nic_defaults.get(constants.NIC_LINK)):
        raise errors.OpPrereqError("A bridged default NIC needs a link (bridge)", errors.ECODE_INVAL)
    for template, values in cluster.diskparams.items():
        if template not in constants.DISK_TEMPLATES:
            raise errors.OpPrereqError("Unknown disk template %r in diskparams" % template,
                                       errors.ECODE_INVAL)
        params.ForceDictType(values, constants.DISK_DT_PARAMETER_TYPES)
    uidpool.CheckUidPool(cluster.uid_pool)
    if cluster.candidate_pool_size < 1:
        raise errors.OpPrereqError("The candidate pool size must be at least 1",
                                   errors.ECODE_INVAL)
    if not _MAC_PREFIX_RE.match(cluster.mac_prefix):
        raise errors.OpPrereqError("Invalid MAC prefix %r (expected three octets, e.g."
                                   " aa:00:00)" % cluster.mac_prefix, errors.ECODE_INVAL)
    if not os.path.isabs(cluster.file_storage_dir):
        raise errors.OpPrereqError("The file storage directory must be an absolute path",
                                   errors.ECODE_INVAL)


# --- distribution of the cluster's files -------------------------------------------

def DistributeConfig(cfg: Any, runner: Any) -> None:
    """Our own ssconf, config.data to the other candidates, ssconf to every other node.

    The master's ConfigWriter calls this after every write (SetWriteHook).
    """
    master = cfg.GetMasterNode()
    values = cfg.GetSsconfValues()
    ssconf.WriteSsconfFiles(values)
    candidates = [n for n in cfg.GetMasterCandidates()
                  if n != master and not cfg.GetNodeInfo(n).offline]
    others = [n for n in cfg.GetOnlineNodeList() if n != master]
    # one after the other: this runs under the configuration's lock, which
    # resolving node addresses needs too, so no helper thread may do it
    pushes = []
    if candidates:
        pushes.append(("copy of the configuration",
                       runner.call_upload_file(candidates, cfg.GetConfigFilename())))
    if others:
        pushes.append(("update of ssconf files", runner.call_write_ssconf_files(others, values)))
    for what, results in pushes:
        for node, res in results.items():
            if res.fail_msg:
                logging.error("The %s to %s failed: %s", what, node, res.fail_msg)


def _HypervisorAncillaryFiles(cfg: Any) -> list[str]:
    """Local paths of the files the enabled hypervisors want on every node."""
    from ganeti import hypervisor
    cluster = cfg.GetClusterInfo()
    files: set[str] = set()
    instances = list(cfg.GetAllInstancesInfo().values())
    for hv_name in cluster.enabled_hypervisors:
        in_use = [cluster.SimpleFillHV(hv_name, {})] + \
            [cluster.FillHV(inst) for inst in instances if inst.hypervisor == hv_name]
        # given the hvparams in use, the paths are configuration paths
        for path in hypervisor.GetHypervisorClass(hv_name).GetAncillaryFiles(in_use):
            files.add(pathutils.Prefix(path))
    return sorted(files)


def ComputeAncillaryFiles(cfg: Any) -> tuple[list[str], list[str]]:
    """(files for every node, files only for master candidates), as local paths.

    config.data itself is not listed: the configuration writer ships it.
    Files that do not exist on the master are left out.
    """
    # the confd key goes everywhere, like the node certificate: every node
    # may be a confd client (upstream does the same)
    all_nodes = [pathutils.NODED_CERT_FILE, pathutils.CONFD_HMAC_KEY,
                 pathutils.SSH_KNOWN_HOSTS_FILE, pathutils.HOSTS_FILE,
                 pathutils.FILE_LIST_TO_DISTRIBUTE]
    all_nodes += [pathutils.Prefix(p) for p in backend_files.ReadDistributionList()]
    all_nodes += _HypervisorAncillaryFiles(cfg)
    candidates = [pathutils.RAPI_CERT_FILE, pathutils.RAPI_USERS_FILE]

    def _Existing(paths: Iterable[str]) -> list[str]:
        seen: list[str] = []
        for path in paths:
            if path not in seen and os.path.isfile(path):
                seen.append(path)
        return seen

    return _Existing(all_nodes), _Existing(candidates)


def RedistributeAncillaryFiles(cfg: Any, runner: Any, warn_fn: WarnFn,
                               nodes: Iterable[str] | None = None) -> dict[str, list[str]]:
    """Ship the ancillary files (to the given nodes, default all online ones).

    The files-to-distribute list goes first, so that the nodes accept the
    files it names. Returns {node: [files shipped]}; failures are warnings.
    """
    master = cfg.GetMasterNode()
    online = [n for n in cfg.GetOnlineNodeList() if n != master]
    targets = [n for n in (nodes if nodes is not None else online) if n in online]
    candidates = set(cfg.GetMasterCandidates())
    all_files, mc_files = ComputeAncillaryFiles(cfg)
    shipped: dict[str, list[str]] = {node: [] for node in targets}
    plan = [(path, targets) for path in all_files] + \
        [(path, [n for n in targets if n in candidates]) for path in mc_files]
    for path, dest in plan:
        if not dest:
            continue
        for node, res in runner.call_upload_file(dest, path).items():
            if res.fail_msg:
                warn_fn("Copy of file %s to node %s failed: %s" % (path, node, res.fail_msg))
            else:
                shipped[node].append(path)
    return shipped


# --- role changes ---------------------------------------------------------------------

def PromoteNodes(lu: Any, nodes: Iterable[str]) -> None:
    """Give newly promoted master candidates what candidates have.

    The configuration writer already shipped config.data (the node is a
    candidate in it); what is left: the candidates-only files, a copy of
    the job queue, and confd.
    """
    nodes = list(nodes)
    if not nodes:
        return
    RedistributeAncillaryFiles(lu.cfg, lu.rpc, lu.LogWarning, nodes)
    for node in nodes:
        lu.context.ReaddNode(lu.cfg.GetNodeInfo(node))
    EnsureDaemons(lu, nodes)


def DemoteNode(lu: Any, node: str) -> None:
    """Take away what only candidates keep (config copy, job queue), then confd."""
    result = lu.rpc.call_node_demote_from_mc(node)
    if result.fail_msg:
        lu.LogWarning("Could not clean up the candidate files on %s: %s", node, result.fail_msg)
    EnsureDaemons(lu, [node])


def EnsureDaemons(lu: Any, nodes: Iterable[str]) -> None:
    """Make the daemons running on nodes match their (new) roles."""
    for node, res in lu.rpc.call_node_ensure_daemons(list(nodes)).items():
        if res.fail_msg:
            lu.LogWarning("Could not update the daemons on %s: %s", node, res.fail_msg)
