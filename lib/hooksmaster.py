"""Running a logical unit's pre and post hooks on the nodes.

Hooks are executables on each node under
/etc/ganeti/hooks/<hooks path>-<phase>.d/; the node daemon runs them
(ganeti.backend) and this module builds their environment, calls them through
RPC and interprets the results: a failed pre hook aborts the operation, a
failed post hook only warns.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ganeti import constants, errors, pathutils

HookResults = dict[str, Any]


class HooksMaster:
    """Hooks of one LU run: environment, node lists, RPC and result handling."""

    def __init__(self, call_fn: Callable[[Sequence[str], str, str, dict], HookResults],
                 lu: Any, log_warning: Callable[..., None]):
        self.call_fn = call_fn
        self.lu = lu
        self.log_warning = log_warning
        self.op = lu.op
        self.env, nodes_pre, nodes_post = self._BuildEnv()
        self.node_list = {constants.HOOKS_PHASE_PRE: list(nodes_pre),
                          constants.HOOKS_PHASE_POST: list(nodes_post)}

    def _BuildEnv(self) -> tuple[dict[str, str], list[str], list[str]]:
        env = {
            "PATH": "/sbin:/bin:/usr/sbin:/usr/bin",
            "GANETI_HOOKS_VERSION": str(constants.HOOKS_VERSION),
            "GANETI_OP_CODE": self.op.OP_ID,
            "GANETI_OBJECT_TYPE": self.lu.HTYPE or "",
            "GANETI_DATA_DIR": pathutils.DATA_DIR,
        }
        if self.lu.HPATH is None:
            return env, [], []
        lu_env, nodes_pre, nodes_post = self.lu.BuildHooksEnv()
        for key, value in lu_env.items():
            env["GANETI_" + key] = "" if value is None else str(value)
        return env, nodes_pre, nodes_post

    def _RunWrapper(self, nodes: Sequence[str], hpath: str, phase: str) -> HookResults:
        env = dict(self.env)
        env["GANETI_HOOKS_PHASE"] = phase
        env["GANETI_HOOKS_PATH"] = hpath
        cfg = self.lu.cfg
        env["GANETI_CLUSTER"] = cfg.GetClusterName()
        env["GANETI_MASTER"] = cfg.GetMasterNode()
        return self.call_fn(list(nodes), hpath, phase, env)

    def RunPhase(self, phase: str, nodes: Sequence[str] | None = None) -> HookResults:
        """Run one phase; pre-hook failures raise HooksAbort."""
        if self.lu.HPATH is None:
            return {}
        nodes = self.node_list[phase] if nodes is None else nodes
        if not nodes:
            return {}
        results = self._RunWrapper(nodes, self.lu.HPATH, phase)
        if not results:
            msg = "Communication failure with all nodes while running %s hooks" % phase
            if phase == constants.HOOKS_PHASE_PRE:
                raise errors.HooksFailure(msg)
            self.log_warning(msg)
            return results
        failures = []
        for node, res in results.items():
            if getattr(res, "offline", False):
                continue
            fail_msg = getattr(res, "fail_msg", None)
            if fail_msg:
                self.log_warning("Communication failure to node %s: %s", node, fail_msg)
                continue
            for script, status, output in res.payload or []:
                if status == constants.HKR_FAIL:
                    if phase == constants.HOOKS_PHASE_PRE:
                        failures.append((node, script, output))
                    else:
                        output = output.strip() if output else ""
                        self.log_warning("Hook script %s failed on node %s%s", script, node,
                                         (": " + output) if output else "")
        if failures:
            raise errors.HooksAbort(failures)
        return results

    def RunConfigUpdate(self) -> None:
        """Run the config-update post hooks on the master (after config changes)."""
        master = self.lu.cfg.GetMasterNode()
        self._RunWrapper([master], constants.HOOKS_NAME_CFGUPDATE, constants.HOOKS_PHASE_POST)

