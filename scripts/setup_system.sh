#!/usr/bin/env bash
# System packages the browser tests and translations need, from Debian's archive:
# chromium (driven by Playwright; its own browser download does not work offline) with its locale packs, the CJK font
# (without it every Chinese character renders as a box) and gettext (compilemessages); for the briefing preview
# (chaindesk/reports/preview.py): LibreOffice Writer without its GUI (DOCX -> PDF), poppler-utils (pdftoppm,
# pdftotext, pdffonts) and a Kai face standing in for 楷体_GB2312 (fonts-arphic-ukai: 8 MB, where
# fonts-lxgw-wenkai is 52 MB). fonts-noto-cjk stands in for the other official families, fonts-liberation2 (Liberation
# Serif, metric-compatible) for Times New Roman, the face of Latin text and figures in a briefing.
# nginx: the reverse proxy of `make two-instances` (scripts/two_instances.py runs it on a port of its own with a
# configuration in a temporary folder; the system's configuration and its service are not used).
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
# Chromium's Chinese locale pack: date and month pickers otherwise render in English (11/25/2026)
[ -e /usr/lib/chromium/locales/zh-CN.pak ] || need+=(chromium-l10n)
fc-list : family 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || need+=(fonts-noto-cjk)  # no -q: an early exit would SIGPIPE fc-list under pipefail
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
[ -e /usr/share/fonts/truetype/arphic/ukai.ttc ] || need+=(fonts-arphic-ukai)
[ -e /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf ] || need+=(fonts-liberation2)
[ -x /usr/sbin/nginx ] || need+=(nginx)
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
