"""ganeti-confd: fast, highly available, authenticated read-only configuration.

Every master candidate runs ganeti-confd, which answers HMAC-signed UDP
queries (2.1 design, "Ganeti Confd") from its local copy of config.data, so
that nodes and services outside the cluster can learn the master, the node
roles or an instance's primary node without the master being up.

- protocol: the `plj0` datagram format, signatures and the clock window
- querylib: one handler per request type over a loaded configuration
- server: the UDP server, its configuration reloading and its counters
- client: ConfdClient (callbacks) and blocking helpers on top of it
"""
