"""The remote API (RAPI): a JSON-over-HTTPS interface to the cluster, version 2.

ganeti-rapi (ganeti.server.rapi) serves it on the master: reads go to the
master daemon's luxi queries, writes become jobs. The package holds the
resources (baserlib, rlib2*), the path table (connector), the users file
(auth), the OpenAPI description (openapi) and a standalone client (client).
"""

from ganeti import constants

RAPI_ACCESS_WRITE = constants.RAPI_ACCESS_WRITE
RAPI_ACCESS_READ = constants.RAPI_ACCESS_READ
RAPI_ACCESS_ALL = constants.RAPI_ACCESS_ALL
