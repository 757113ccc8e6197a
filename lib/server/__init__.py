"""The daemons' main code: one module per daemon (ganeti.server.confd, ...).

daemons/ganeti-* are thin scripts that call <module>.Main(); everything a
daemon does beyond ganeti.daemon's common main lives in its module here.
"""
