#!/usr/bin/env sh
# The shared libraries PyQt6 needs even offscreen (EGL/GL, fontconfig, xkbcommon, D-Bus).
# Called by `make test` only when Qt cannot start; installs them with apt when run as root.
set -e
PKGS="libegl1 libgl1 libfontconfig1 libxkbcommon0 libdbus-1-3 libglib2.0-0"
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Qt's system libraries: $PKGS" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PKGS >/dev/null
else
    echo "PyQt6 cannot start: install these system packages (Debian/Ubuntu names): $PKGS" >&2
    exit 1
fi
