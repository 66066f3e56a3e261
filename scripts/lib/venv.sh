# The project's Python tools (deployment checks, the MongoDB-wire test server)
# live in one virtualenv, (re)installed from infra/tests/requirements.txt when
# it is missing or the requirements changed. Source after scripts/lib/tools.sh.

VENV="${XDG_CACHE_HOME:-$HOME/.cache}/ticketing/venv"

# need_venv: makes sure $VENV is up to date; prints what it runs.
need_venv() {
  local requirements=infra/tests/requirements.txt stamp="$VENV/.requirements" want
  command -v python3 >/dev/null 2>&1 || die "python3 is missing (Debian: apt-get install python3 python3-venv)"
  want="$(cat "$requirements"; python3 --version)"
  if [ ! -x "$VENV/bin/python" ]; then
    printf '    $ python3 -m venv %s\n' "$VENV" >&2
    python3 -m venv "$VENV" || return 1
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    printf '    $ %s/bin/pip install -r %s\n' "$VENV" "$requirements" >&2
    "$VENV/bin/pip" install --disable-pip-version-check --quiet -r "$requirements" || return 1
    printf '%s' "$want" > "$stamp"
  fi
}
