#!/usr/bin/env bash
# Installs the chargepoint controller on a Raspberry Pi (Raspberry Pi OS / Debian 12) from this checkout:
# build packages, the service user, the app in /opt/evse (production install, native modules built from
# source), /etc/evse/config.yaml from the skeleton (only if absent: never overwritten), the `evse` command
# and the systemd unit (enabled; started only with --start). Safe to run again: it updates the app and the
# unit and reports what it left unchanged. The app is rebuilt unless a stamp written after the last
# SUCCESSFUL build matches the sources (a failed build is retried on the next run, never shipped stale);
# a running service is stopped while node_modules and dist are replaced, and started again afterwards.
#
# Usage: sudo systemd/install.sh [--start]
# For tests, everything goes under EVSE_INSTALL_ROOT (default /), and steps that need root, the network or
# systemd are skipped with EVSE_INSTALL_SKIP_APT=1, EVSE_INSTALL_SKIP_USER=1, EVSE_INSTALL_SKIP_NPM=1,
# EVSE_INSTALL_SKIP_SYSTEMCTL=1.
set -euo pipefail

readonly NODE_MIN="20.19"
readonly SERVICE_USER="evse"
readonly GROUPS_WANTED=(gpio spi i2c dialout)
readonly BUILD_PACKAGES=(python3 make g++ libsystemd-dev)
readonly APP_DIRS=(src hal state-machines scripts config systemd)
readonly APP_FILES=(package.json package-lock.json tsconfig.json tsconfig.build.json README.md)
readonly STAMP_NAME=".evse-build-stamp"

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="${EVSE_INSTALL_ROOT:-/}"
ROOT="${ROOT%/}" # "" for the real root, so "$ROOT/opt/evse" is /opt/evse
APP="$ROOT/opt/evse"
ETC="$ROOT/etc/evse"
UNIT="$ROOT/etc/systemd/system/evse.service"
WRAPPER="$ROOT/usr/local/bin/evse"
START=0
WAS_RUNNING=0 # the service was running and this run stopped it for the build
STARTED=0

say() { printf 'evse install: %s\n' "$*"; }
die() { printf 'evse install: error: %s\n' "$*" >&2; exit 1; }
skipped() { [[ "${!1:-0}" == 1 ]]; }

usage() {
  cat <<EOF
Usage: sudo $0 [--start]
  --start   start (or restart) the service after installing; without it the service is only enabled
EOF
}

parse_args() {
  for arg in "$@"; do
    case "$arg" in
      --start) START=1 ;;
      -h | --help) usage; exit 0 ;;
      *) usage >&2; printf 'evse install: error: unknown option: %s\n' "$arg" >&2; exit 2 ;;
    esac
  done
}

check_root() {
  if [[ -z "${EVSE_INSTALL_ROOT:-}" && "$(id -u)" -ne 0 ]]; then
    die "run as root: sudo $0"
  fi
}

check_node() {
  command -v node >/dev/null 2>&1 || die "node not found: install Node.js ${NODE_MIN} or newer (20, 22 or 24), e.g. from NodeSource"
  local version
  version="$(node -p 'process.versions.node')"
  local major="${version%%.*}" rest="${version#*.}"
  local minor="${rest%%.*}"
  if ((major < 20 || (major == 20 && minor < 19))); then
    die "node ${version} is too old: the controller needs ${NODE_MIN} or newer"
  fi
  NODE_BIN="$(command -v node)"
  # systemd refuses an executable path with a quote or a backslash ("contains special characters").
  if [[ "$NODE_BIN" == *[\'\"\\]* || "$NODE_BIN" =~ [[:cntrl:]] ]]; then
    die "node path ${NODE_BIN} has a quote, backslash or control character, which systemd cannot run: link it from a plain path (e.g. /usr/local/bin/node) placed first on the PATH"
  fi
  say "node: ${version} (${NODE_BIN})"
}

install_build_packages() {
  if skipped EVSE_INSTALL_SKIP_APT; then say "build packages: skipped"; return; fi
  command -v dpkg-query >/dev/null 2>&1 || { say "build packages: no dpkg (not Debian): make sure ${BUILD_PACKAGES[*]} are installed"; return; }
  local missing=() pkg
  for pkg in "${BUILD_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then say "build packages: present"; return; fi
  say "build packages: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
}

create_user() {
  if skipped EVSE_INSTALL_SKIP_USER; then say "user ${SERVICE_USER}: skipped"; return; fi
  if id -u "$SERVICE_USER" >/dev/null 2>&1; then
    say "user ${SERVICE_USER}: exists"
  else
    useradd --system --user-group --home-dir /var/lib/evse --no-create-home --shell /usr/sbin/nologin "$SERVICE_USER"
    say "user ${SERVICE_USER}: created"
  fi
  local have=() g
  for g in "${GROUPS_WANTED[@]}"; do getent group "$g" >/dev/null && have+=("$g"); done
  if ((${#have[@]} > 0)); then
    usermod -a -G "$(IFS=,; echo "${have[*]}")" "$SERVICE_USER"
    say "user ${SERVICE_USER}: groups ${have[*]}"
  fi
}

# Copies the app's sources; prints how many parts changed (0 on a second run with the same checkout).
copy_app() {
  mkdir -p "$APP"
  APP_CHANGED=0
  local d f
  for d in "${APP_DIRS[@]}"; do
    [[ -d "$SRC/$d" ]] || die "missing $SRC/$d: run from a complete checkout"
    if ! diff -rq "$SRC/$d" "$APP/$d" >/dev/null 2>&1; then
      rm -rf "${APP:?}/$d"
      cp -R "$SRC/$d" "$APP/$d"
      APP_CHANGED=$((APP_CHANGED + 1))
    fi
  done
  for f in "${APP_FILES[@]}"; do
    [[ -f "$SRC/$f" ]] || continue
    if ! cmp -s "$SRC/$f" "$APP/$f"; then
      install -m 0644 "$SRC/$f" "$APP/$f"
      APP_CHANGED=$((APP_CHANGED + 1))
    fi
  done
  if ((APP_CHANGED == 0)); then say "app: ${APP} unchanged"; else say "app: ${APP} updated (${APP_CHANGED} parts)"; fi
}

# What a build is made from: the copied sources and the node that builds the native modules (one ABI).
source_hash() {
  (
    cd "$APP"
    find "${APP_DIRS[@]}" -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
    for f in "${APP_FILES[@]}"; do if [[ -f "$f" ]]; then sha256sum "$f"; fi; done
    node -p 'process.version + " " + process.arch'
  ) | sha256sum | cut -d' ' -f1
}

# The unit runs the app from $APP: stop it (if running) before node_modules and dist are replaced.
stop_service_for_build() {
  if skipped EVSE_INSTALL_SKIP_SYSTEMCTL || ! command -v systemctl >/dev/null 2>&1; then return; fi
  local state
  state="$(systemctl is-active evse.service 2>/dev/null || true)"
  case "$state" in
    active | activating | reloading)
      say "service: stopping evse for the build (was ${state})"
      systemctl stop evse.service
      WAS_RUNNING=1
      ;;
  esac
}

# npm ci (dev dependencies for the build; native modules compile here), build, then drop dev dependencies.
# The stamp is written only after a build that succeeded: a failed build is redone by the next run.
build_app() {
  if skipped EVSE_INSTALL_SKIP_NPM; then say "build: skipped"; return; fi
  local stamp="$APP/$STAMP_NAME" hash
  hash="$(source_hash)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" && -f "$APP/dist/src/main.bundle.js" && -d "$APP/node_modules" ]]; then
    say "build: unchanged"
    return
  fi
  stop_service_for_build
  rm -f "$stamp"
  say "build: npm ci, npm run build, npm prune --omit=dev (native modules compile: this takes minutes on a Pi)"
  (cd "$APP" && npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev --no-audit --no-fund) ||
    die "build failed (output above); fix it and run this installer again: it rebuilds"
  [[ -f "$APP/dist/src/main.bundle.js" ]] || die "build did not produce $APP/dist/src/main.bundle.js"
  node -e 'require(process.argv[1])' "$APP/node_modules/sd-notify" 2>/dev/null || die "sd-notify did not build: apt install libsystemd-dev, then run this installer again"
  printf '%s\n' "$hash" >"$stamp"
  say "build: done"
}

write_config() {
  mkdir -p "$ETC"
  if [[ -e "$ETC/config.yaml" ]]; then
    say "config: kept existing $ETC/config.yaml"
  else
    install -m 0644 "$SRC/systemd/config.skeleton.yaml" "$ETC/config.yaml"
    say "config: wrote $ETC/config.yaml (edit the wiring, then: evse config check /etc/evse/config.yaml)"
  fi
}

# Installs file $1 as $2 with mode $3 unless $2 already has exactly that content; says installed/unchanged.
put_file() {
  local from="$1" path="$2" mode="$3" what="$4"
  mkdir -p "$(dirname "$path")"
  if cmp -s "$from" "$path"; then
    say "${what}: $path unchanged"
  else
    install -m "$mode" "$from" "$path.tmp"
    mv -f "$path.tmp" "$path"
    say "${what}: $path installed"
  fi
}

# An executable path (no quote or backslash: check_node) as one systemd command-line word: as is when plain,
# else double-quoted with the specifier character % doubled (systemd does not expand $ in the executable).
unit_word() {
  local p="$1"
  if [[ "$p" =~ ^[A-Za-z0-9/._+:@-]+$ ]]; then printf '%s' "$p"; else printf '"%s"' "${p//%/%%}"; fi
}

# The groups of GROUPS_WANTED that exist here: systemd refuses to start a unit naming a missing one (216/GROUP).
existing_groups() {
  local have=() g
  for g in "${GROUPS_WANTED[@]}"; do getent group "$g" >/dev/null && have+=("$g"); done
  printf '%s' "${have[*]}"
}

# The repo's unit with this machine's node (ExecStart, ExecStopPost) and only the groups that exist.
render_unit() {
  local groups="$1" node line
  node="$(unit_word "$NODE_BIN")"
  while IFS= read -r line || [[ -n "$line" ]]; do
    case "$line" in
      ExecStart=/usr/bin/node\ * | ExecStopPost=/usr/bin/node\ *) line="${line%%=*}=${node} ${line#*=/usr/bin/node }" ;;
      SupplementaryGroups=*)
        if [[ -n "$groups" ]]; then line="SupplementaryGroups=${groups}"; else line="# SupplementaryGroups: none of ${GROUPS_WANTED[*]} exists here"; fi
        ;;
    esac
    printf '%s\n' "$line"
  done <"$SRC/systemd/evse.service"
}

install_unit_and_command() {
  local tmp groups
  tmp="$(mktemp -d)"
  groups="$(existing_groups)"
  if [[ "$groups" != "${GROUPS_WANTED[*]}" ]]; then say "unit: SupplementaryGroups=${groups:-(none)}: the other groups of ${GROUPS_WANTED[*]} do not exist here"; fi
  render_unit "$groups" >"$tmp/evse.service"
  # POSIX sh single quotes: a ' in the path becomes '\''.
  printf "#!/bin/sh\nexec '%s' /opt/evse/dist/src/cli/evse.js \"\$@\"\n" "${NODE_BIN//\'/\'\\\'\'}" >"$tmp/evse"
  put_file "$tmp/evse.service" "$UNIT" 0644 "unit"
  put_file "$tmp/evse" "$WRAPPER" 0755 "command evse"
  rm -rf "$tmp"
}

enable_service() {
  if skipped EVSE_INSTALL_SKIP_SYSTEMCTL; then say "service: systemctl skipped"; return; fi
  systemctl daemon-reload
  systemctl enable --quiet evse.service
  if ((START == 1)); then
    systemctl restart evse.service
    STARTED=1
    say "service: enabled and (re)started (evse status; evse logs -f)"
  elif ((WAS_RUNNING == 1)); then
    systemctl start evse.service
    STARTED=1
    say "service: enabled and started again (it was running before the build)"
  else
    say "service: enabled, not started (start it with: sudo systemctl start evse)"
  fi
}

# The controller needs hardware PWM, SPI and I2C enabled in the firmware configuration: say what is missing.
boot_config_hints() {
  local cfg=""
  for f in "$ROOT/boot/firmware/config.txt" "$ROOT/boot/config.txt"; do [[ -f "$f" ]] && { cfg="$f"; break; }; done
  if [[ -z "$cfg" ]]; then
    say "hint: no config.txt found; on a Pi add to /boot/firmware/config.txt: dtoverlay=pwm,pin=18,func=2  dtparam=spi=on  dtparam=i2c_arm=on"
    return
  fi
  local line missing=()
  for line in "dtoverlay=pwm" "dtparam=spi=on" "dtparam=i2c_arm=on"; do grep -q "^${line}" "$cfg" || missing+=("$line"); done
  if ((${#missing[@]} == 0)); then say "boot config: $cfg has PWM, SPI and I2C"; else say "hint: add to $cfg and reboot: ${missing[*]} (PWM: dtoverlay=pwm,pin=18,func=2)"; fi
}

# A run that stopped the service and then failed leaves it stopped (a half-replaced app must not run): say so.
on_exit() {
  local rc=$?
  if ((rc != 0 && WAS_RUNNING == 1 && STARTED == 0)); then
    printf 'evse install: service evse was stopped for the build and is NOT running; fix the problem above and run this installer again\n' >&2
  fi
}

main() {
  trap on_exit EXIT
  parse_args "$@"
  check_root
  check_node
  install_build_packages
  create_user
  copy_app
  build_app
  write_config
  install_unit_and_command
  enable_service
  boot_config_hints
  say "done. Next: edit /etc/evse/config.yaml; evse provision ... (CSMS); sudo systemctl stop evse; evse selftest; sudo systemctl start evse"
}

main "$@"
