#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Every source file with translatable strings (_("…"), N_("…"), or
# translatable="yes" in a template) is listed in po/POTFILES.in, so
# translators see every string; and every file listed exists.
#
# usage: check-potfiles.sh SOURCE_ROOT

set -euo pipefail
cd "$1"
listed=$(grep -v '^#' po/POTFILES.in | sed '/^$/d' | sort)
wanted=$( { grep -l '_ *("\|N_ *("' src/app/*.c src/cli/*.c src/core/*.c src/server/*.c 2>/dev/null || true
            grep -l 'translatable="yes"' ui/*.ui data/*.in data/*.xml 2>/dev/null || true; } | sort -u)
status=0
missing=$(comm -23 <(echo "$wanted") <(echo "$listed"))
if [ -n "$missing" ]; then
  echo "FAIL: translatable strings in files po/POTFILES.in does not list:"; echo "$missing"; status=1
fi
while read -r file; do
  [ -e "$file" ] || { echo "FAIL: po/POTFILES.in lists $file, which does not exist"; status=1; }
done <<< "$listed"
[ $status -eq 0 ] && echo "ok: po/POTFILES.in lists the $(echo "$listed" | wc -l) files with translatable strings"
exit $status
