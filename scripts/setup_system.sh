#!/usr/bin/env bash
# System packages the browser tests and translations need, from Debian's archive:
# chromium (driven by Playwright; its own browser download does not work offline) with its locale packs, the CJK font
# (without it every Chinese character renders as a box) and gettext (compilemessages).
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
# Chromium's Chinese locale pack: date and month pickers otherwise render in English (11/25/2026)
[ -e /usr/lib/chromium/locales/zh-CN.pak ] || need+=(chromium-l10n)
fc-list : family 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || need+=(fonts-noto-cjk)  # no -q: an early exit would SIGPIPE fc-list under pipefail
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing system packages: ${need[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "cannot install ${need[*]}: run as root or: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
