# Shared by scripts/dev.sh and scripts/test.sh: find or install the tools the
# project needs. Installs with apt when running as root (or with sudo), and
# otherwise prints the exact command and stops.

say() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# apt_install PACKAGE...: installs Debian packages, or explains how to.
apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo="sudo"
    else
      die "missing: $*. Install with: sudo apt-get install -y $*"
    fi
  fi
  command -v apt-get >/dev/null 2>&1 || die "missing: $*. This script installs with apt; install them with your package manager."
  say "installing $* (apt)"
  # Debian's packages try to start their service on install; there may be no
  # init system here, which is fine: we start our own instances.
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >/dev/null 2>&1 || {
    $sudo apt-get update -qq >/dev/null 2>&1
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >/dev/null
  }
}

# need_command COMMAND PACKAGE: makes sure COMMAND exists, installing PACKAGE.
need_command() {
  command -v "$1" >/dev/null 2>&1 || apt_install "$2"
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || die "$1 is still missing after installing $2"
}

# Debian puts nats-server in /usr/sbin, which a plain user's PATH may lack.
case ":$PATH:" in *":/usr/sbin:"*) ;; *) export PATH="$PATH:/usr/sbin" ;; esac

need_rust() {
  command -v cargo >/dev/null 2>&1 || die "Rust is missing. Install it with: curl https://sh.rustup.rs -sSf | sh"
}

# need_stack: what every script that runs the services needs (Rust, and the
# nats-server and redis-server the launcher and the tests start).
need_stack() {
  need_rust
  need_command nats-server nats-server
  need_command redis-server redis-server
}
