#!/usr/bin/env bash
# Debian packages galaxyreel needs at run time, installed only when missing and only as root
# (a non-root user gets the apt-get line to run). Fast when everything is present.
set -euo pipefail
PKGS=(
  # bpy 5.0.1 on a bare Debian 12
  libx11-6 libxrender1 libxfixes3 libxi6 libxkbcommon0 libsm6 libice6 libxext6 libgl1
  # Workbench / EEVEE (EGL)
  libegl1 libegl-mesa0 libgl1-mesa-dri
  # compositing: captions and titles font, offline narration voice
  fonts-dejavu-core espeak-ng
  # preview.html test in a real headless browser
  chromium
  # ParaView export: pvpython loads the .pvd and renders off-screen (X build: needs Xvfb)
  paraview python3-paraview xvfb xauth
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "galaxyreel needs these Debian packages: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "[system-deps] installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 -o Acquire::Retries=3 update -qq
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
