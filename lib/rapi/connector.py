"""Which resource serves which path: the RAPI's URI table.

One table (RESOURCES) maps path patterns to resource classes; the daemon
builds its router from it and the OpenAPI description is checked against
it, so a resource cannot be served without being described. Upstream paths
of later releases whose operations this cluster does not have are mapped
to NotImplementedResource: they answer 501 with a JSON error instead of a
misleading 404.
"""

from __future__ import annotations

from typing import Any

from ganeti import http
from ganeti.http import routing
from ganeti.rapi import baserlib, rlib2, rlib2_groups
from ganeti.rapi import rlib2_instances as ri
from ganeti.rapi import rlib2_nodes as rn

_NAME = r"([^/]+)"


class NotImplementedResource(baserlib.ResourceBase):
    """An upstream resource whose operation this cluster does not implement."""

    def _Refuse(self) -> Any:
        raise http.HttpNotImplemented("This resource is not implemented by this cluster")

    GET = PUT = POST = DELETE = _Refuse


_INST = "/2/instances/" + _NAME
_NODE = "/2/nodes/" + _NAME

#: (path pattern, resource class); the first full match wins.
RESOURCES: list[tuple[str, type[baserlib.ResourceBase]]] = [
    ("/", rlib2.R_root),
    ("/version", rlib2.R_version),
    ("/2", rlib2.R_2),
    ("/2/info", rlib2.R_2_info),
    ("/2/features", rlib2.R_2_features),
    ("/2/os", rlib2.R_2_os),
    ("/2/redistribute-config", rlib2.R_2_redist_config),
    ("/2/tags", rlib2.R_2_tags),
    ("/2/modify", rlib2.R_2_cluster_modify),
    ("/2/openapi.json", rlib2.R_2_openapi),
    ("/2/jobs", rlib2.R_2_jobs),
    ("/2/jobs/" + _NAME, rlib2.R_2_jobs_id),
    ("/2/jobs/" + _NAME + "/wait", rlib2.R_2_jobs_id_wait),
    ("/2/instances", ri.R_2_instances),
    (_INST, ri.R_2_instances_name),
    (_INST + "/info", ri.R_2_instances_name_info),
    (_INST + "/reboot", ri.R_2_instances_name_reboot),
    (_INST + "/shutdown", ri.R_2_instances_name_shutdown),
    (_INST + "/startup", ri.R_2_instances_name_startup),
    (_INST + "/reinstall", ri.R_2_instances_name_reinstall),
    (_INST + "/replace-disks", ri.R_2_instances_name_replace_disks),
    (_INST + "/activate-disks", ri.R_2_instances_name_activate_disks),
    (_INST + "/deactivate-disks", ri.R_2_instances_name_deactivate_disks),
    (_INST + "/migrate", ri.R_2_instances_name_migrate),
    (_INST + "/failover", ri.R_2_instances_name_failover),
    (_INST + "/rename", ri.R_2_instances_name_rename),
    (_INST + "/modify", ri.R_2_instances_name_modify),
    (_INST + "/console", ri.R_2_instances_name_console),
    (_INST + "/tags", ri.R_2_instances_name_tags),
    (_INST + "/recreate-disks", ri.R_2_instances_name_recreate_disks),
    (_INST + "/disk/([^/]+)/grow", ri.R_2_instances_name_disk_grow),
    (_INST + "/export", ri.R_2_instances_name_export),
    ("/2/groups", rlib2_groups.R_2_groups),
    ("/2/groups/" + _NAME, rlib2_groups.R_2_groups_name),
    ("/2/nodes", rn.R_2_nodes),
    (_NODE, rn.R_2_nodes_name),
    (_NODE + "/role", rn.R_2_nodes_name_role),
    (_NODE + "/evacuate", rn.R_2_nodes_name_evacuate),
    (_NODE + "/migrate", rn.R_2_nodes_name_migrate),
    (_NODE + "/powercycle", rn.R_2_nodes_name_powercycle),
    (_NODE + "/modify", rn.R_2_nodes_name_modify),
    (_NODE + "/storage", rn.R_2_nodes_name_storage),
    (_NODE + "/storage/modify", rn.R_2_nodes_name_storage_modify),
    (_NODE + "/storage/repair", rn.R_2_nodes_name_storage_repair),
    (_NODE + "/tags", rn.R_2_nodes_name_tags),
]

#: Upstream resources of later releases without an opcode here: they answer 501.
NOT_IMPLEMENTED: list[str] = [
    "/2/instances-multi-alloc",
    _INST + "/prepare-export",
    "/2/groups/" + _NAME + "/.*",
    "/2/networks(?:/.*)?",
    "/2/filters(?:/.*)?",
    "/2/query(?:/.*)?",
]


def BuildRouter() -> routing.Router:
    """The router of every path the daemon serves."""
    router = routing.Router()
    for pattern, resource in RESOURCES:
        router.Add(pattern, resource)
    for pattern in NOT_IMPLEMENTED:
        router.Add(pattern, NotImplementedResource)
    return router
