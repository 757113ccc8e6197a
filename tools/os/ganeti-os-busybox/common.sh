# Shared by the scripts of the ganeti-os-busybox example OS definition.
#
# Variants:
#   marker  (default) disk 0 gets a one-block header naming the OS, the
#           variant and the instance: enough for tests to see that the OS
#           ran on the right disk with the right environment.
#   ext2    disk 0 gets an ext2 file system (mke2fs -d, no mount needed)
#           holding busybox, /etc/hostname and a minimal /init, so the
#           disk is a small but real root file system.
# Any other variant (it can only arrive forced) is refused, as the OS API
# asks of OS scripts.
set -eu

log() { echo "ganeti-os-busybox: $*" >&2; }
die() { log "$*"; exit 1; }

VARIANT=${OS_VARIANT:-marker}       # API 10 callers pass no OS_VARIANT
case "$VARIANT" in
  marker|ext2) ;;
  *) die "unsupported variant '$VARIANT' (supported: marker, ext2)" ;;
esac

[ "${DISK_COUNT:-0}" -ge 1 ] || die "needs at least one disk"
DISK=${DISK_0_PATH:?DISK_0_PATH not set}
[ "${DEBUG_LEVEL:-0}" -ge 1 ] && set -x

BUSYBOX=${BUSYBOX:-/bin/busybox}

write_marker() {
  # $1: instance name; one 512-byte block at the start of the disk
  printf 'GANETI-BUSYBOX-OS variant=%s instance=%s hypervisor=%s api=%s\n' \
    "$VARIANT" "$1" "${INSTANCE_HYPERVISOR:-${HYPERVISOR:-}}" "${OS_API_VERSION:-}" |
    dd of="$DISK" bs=512 count=1 conv=notrunc,sync 2>/dev/null
}

make_ext2() {
  # $1: instance name
  tree=$(mktemp -d)
  trap 'rm -rf "$tree"' EXIT
  mkdir -p "$tree/bin" "$tree/etc" "$tree/proc" "$tree/sys" "$tree/dev"
  cp "$BUSYBOX" "$tree/bin/busybox"
  ln -s busybox "$tree/bin/sh"
  echo "$1" > "$tree/etc/hostname"
  printf '#!/bin/sh\necho "GANETI-GUEST-UP $(cat /etc/hostname)"\nexec /bin/sh\n' > "$tree/init"
  chmod 755 "$tree/init"
  size_kb=$(( $(blockdev --getsize64 "$DISK" 2>/dev/null || stat -c %s "$DISK") / 1024 ))
  [ "$size_kb" -ge 4096 ] || die "disk 0 is too small for ext2 (${size_kb} KiB < 4 MiB)"
  mke2fs -q -F -t ext2 -L "$(echo "$1" | cut -c1-16)" -d "$tree" "$DISK" "${size_kb}k"
}
