#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The install test (CTest label "install"): builds the Debian package from a finished build tree with
# CPack (in a scratch directory), installs it with dpkg into a clean root, uses the installed programs
# (--version of all three; the installed lanyard-lab with one lanyard-cli call against it), validates
# the desktop file, the AppStream metainfo, the icons and the man pages, checks the shipped demo config
# is what the lab writes, removes the package with dpkg and checks nothing is left behind. The .tar.gz
# must hold the same files. Needs no root rights (dpkg --root with --force-not-root) and no network.
#
# usage: install-test.sh --build-dir DIR --version X.Y.Z --revision REV --expected FILE
# exit: 0 pass, 1 fail, 77 skipped (a tool is missing)
set -euo pipefail

build="" version="" revision="" expected=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --revision) revision="$2"; shift 2 ;;
    --expected) expected="$2"; shift 2 ;;
    *) echo "install-test.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$build" ] && [ -n "$version" ] && [ -n "$revision" ] && [ -f "$expected" ] || {
  echo "usage: install-test.sh --build-dir DIR --version X.Y.Z --revision REV --expected FILE" >&2; exit 2; }

step() { echo "== $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

# dpkg looks for ldconfig and start-stop-daemon on PATH, which a normal user's PATH may lack.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export LC_ALL=C.UTF-8
for tool in cpack dpkg dpkg-deb dpkg-query desktop-file-validate appstreamcli readelf gzip tar; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/install-deps.sh installs it)"
done
for exe in app/cli/lanyard-cli app/gui/lanyard lab/app/lanyard-lab; do
  [ -x "$build/$exe" ] || fail "$build/$exe is missing: build everything first (cmake --build $build)"
done
[ -f "$build/CPackConfig.cmake" ] || fail "$build/CPackConfig.cmake is missing: configure the build again"

scratch="$(mktemp -d "${TMPDIR:-/tmp}/lanyard-install-test.XXXXXX")"
root="$scratch/root"
lab_pid=""
build_entries_before="$(ls -A "$build")"
manifest="$build/install_manifest.txt"
had_manifest=no
if [ -e "$manifest" ]; then had_manifest=yes; cp -p "$manifest" "$scratch/install_manifest.saved"; fi

restore_manifest() {
  # CPack's staging install writes install_manifest.txt into the build tree: put back what was there.
  if [ "$had_manifest" = yes ]; then cp -p "$scratch/install_manifest.saved" "$manifest"; else rm -f "$manifest"; fi
}
cleanup() {
  if [ -n "$lab_pid" ]; then
    kill "$lab_pid" 2>/dev/null || true
    wait "$lab_pid" 2>/dev/null || true
  fi
  restore_manifest
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

dpkg_root() {
  # --log: keep the host's /var/log/dpkg.log out of it; --path-include: undo path-exclude rules a
  # minimal image may have in /etc/dpkg/dpkg.cfg.d (they would drop the man pages).
  dpkg --root="$root" --log=/dev/null --force-not-root --force-script-chrootless --path-include='*' "$@"
}

# ---- build the packages ---------------------------------------------------------------------------
step "cpack -G DEB (in $scratch/out)"
if ! cpack -G DEB --config "$build/CPackConfig.cmake" -B "$scratch/out" >"$scratch/cpack-deb.log" 2>&1; then
  cat "$scratch/cpack-deb.log"; fail "cpack -G DEB failed"
fi
arch="$(dpkg --print-architecture)"
deb="$scratch/out/lanyard_${version}_${arch}.deb"
[ -f "$deb" ] || { ls -la "$scratch/out"; fail "expected package $deb was not made"; }

step "cpack -G TGZ"
if ! cpack -G TGZ --config "$build/CPackConfig.cmake" -B "$scratch/out" >"$scratch/cpack-tgz.log" 2>&1; then
  cat "$scratch/cpack-tgz.log"; fail "cpack -G TGZ failed"
fi
tgz="$(ls "$scratch"/out/lanyard-"$version"-Linux-*.tar.gz 2>/dev/null | head -1)"
[ -n "$tgz" ] || { ls -la "$scratch/out"; fail "no lanyard-$version-Linux-*.tar.gz was made"; }

# ---- package metadata and contents ----------------------------------------------------------------
step "package metadata"
[ "$(dpkg-deb -f "$deb" Package)" = lanyard ] || fail "Package is not lanyard"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version is $(dpkg-deb -f "$deb" Version), not $version"
depends="$(dpkg-deb -f "$deb" Depends)"
echo "Depends: $depends"
# From dpkg-shlibdeps (the binaries' shared libraries), plus the declared platform plugins.
depends_names="$(echo "$depends" | tr ',|' '\n\n' | sed -E 's/^ +//; s/[ (].*//')"
for dep in libc6 libstdc++6 libqt6core6 libqt6network6 libqt6networkauth6 libqt6gui6 libqt6widgets6 libqt6svg6 \
           libssl3 qt6-qpa-plugins; do
  echo "$depends_names" | grep -qxF "$dep" || fail "Depends lacks $dep"
done

step "package file list"
sort "$expected" >"$scratch/expected.txt"
dpkg-deb -c "$deb" >"$scratch/deb-listing.txt"
awk '$1 !~ /^d/ { p = $6; sub(/^\./, "", p); print p }' "$scratch/deb-listing.txt" | sort >"$scratch/deb-files.txt"
diff -u "$scratch/expected.txt" "$scratch/deb-files.txt" || fail "the .deb holds other files than $expected"
awk '$2 != "root/root" { bad = 1; print } END { exit bad }' "$scratch/deb-listing.txt" \
  || fail "files in the .deb not owned by root/root"
awk '$1 !~ /^[-d]/ { bad = 1; print } END { exit bad }' "$scratch/deb-listing.txt" \
  || fail "the .deb holds something that is neither a file nor a directory"
# The archive: the same files under lanyard-<version>-Linux-<arch>/ instead of /usr.
tar -tzf "$tgz" | grep -v '/$' | sed -E 's#^[^/]+/#/usr/#' | sort >"$scratch/tgz-files.txt"
diff -u "$scratch/expected.txt" "$scratch/tgz-files.txt" || fail "the .tar.gz holds other files than the .deb"

# ---- install into a clean root ------------------------------------------------------------------
step "dpkg --root $root -i"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
: >"$root/var/lib/dpkg/status"
: >"$root/var/lib/dpkg/available"
# The clean root has no libraries, so dependencies cannot be met there; the programs run against
# the host's (the root is not a chroot), which the Depends above name.
dpkg_root --force-depends -i "$deb" >"$scratch/dpkg-install.log" 2>&1 || { cat "$scratch/dpkg-install.log"; fail "dpkg -i failed"; }
[ "$(dpkg-query --root="$root" -W -f='${Status}' lanyard)" = "install ok installed" ] || fail "dpkg does not list lanyard as installed"
find "$root" -path "$root/var/lib/dpkg" -prune -o -type f -print | sed "s#^$root##" | sort >"$scratch/installed.txt"
diff -u "$scratch/expected.txt" "$scratch/installed.txt" || fail "installed files differ from the package's"

bin="$root/usr/bin"
step "installed programs"
for exe in lanyard lanyard-cli lanyard-lab; do
  if readelf -d "$bin/$exe" | grep -Eq 'RPATH|RUNPATH'; then fail "$exe has an RPATH/RUNPATH (it must use the system's libraries only)"; fi
  if readelf -S "$bin/$exe" | grep -q '\.debug_info'; then fail "$exe is not stripped"; fi
  if ldd "$bin/$exe" | grep -q 'not found'; then ldd "$bin/$exe"; fail "$exe needs a library that is not installed"; fi
done
out="$("$bin/lanyard-cli" --version)"
[ "$out" = "lanyard-cli $version ($revision)" ] || fail "lanyard-cli --version printed '$out'"
out="$("$bin/lanyard-lab" --version)"
[ "$out" = "lanyard-lab $version ($revision)" ] || fail "lanyard-lab --version printed '$out'"
out="$("$bin/lanyard" --version)"
[ "$out" = "lanyard $version (revision $revision)" ] || fail "lanyard --version printed '$out'"
echo "all three print version $version, revision $revision"

step "installed lanyard-lab and one lanyard-cli call against it"
# Keep the programs away from the user's home, desktop session and keychain: with no D-Bus session
# the sign-in lives in memory for one invocation.
mkdir -p "$scratch/home"
run=(env -u DBUS_SESSION_BUS_ADDRESS -u DISPLAY -u WAYLAND_DISPLAY -u BROWSER -u LANYARD_CONFIG
     HOME="$scratch/home" XDG_CONFIG_HOME="$scratch/home/.config" XDG_CACHE_HOME="$scratch/home/.cache"
     XDG_DATA_HOME="$scratch/home/.local/share" XDG_STATE_HOME="$scratch/home/.local/state")
# Started directly (env execs the lab), so $! is the lab itself and the trap can stop it.
"${run[@]}" "$bin/lanyard-lab" --port 0 --config-out "$scratch/lab.json" >"$scratch/lab.out" 2>"$scratch/lab.err" &
lab_pid=$!
for _ in $(seq 1 200); do
  grep -q '^ready' "$scratch/lab.out" 2>/dev/null && break
  kill -0 "$lab_pid" 2>/dev/null || break
  sleep 0.1
done
grep -q '^ready' "$scratch/lab.out" || { cat "$scratch/lab.out" "$scratch/lab.err"; fail "lanyard-lab did not start"; }
# hr takes only tokens of the lab's token service: the CLI signs in at the lab's identity provider,
# with the installed lab's sign-in robot as the browser, and exchanges the token for one for hr.
user="ada@lanyardlab.onmicrosoft.com"
if ! "${run[@]}" "$bin/lanyard-cli" --config "$scratch/lab.json" --timeout 20 \
       --open-with "$bin/lanyard-lab --sign-in-as $user" --json call hr whoami \
       >"$scratch/whoami.json" 2>"$scratch/whoami.err"; then
  cat "$scratch/whoami.json" "$scratch/whoami.err"; fail "lanyard-cli call hr whoami failed"
fi
for expect in "\"preferred_username\":\"$user\"" '"anonymous":false' '"server":"lab-hr"' '"delegation_chain":[{'; do
  grep -qF "$expect" "$scratch/whoami.json" || { cat "$scratch/whoami.json"; fail "whoami lacks $expect"; }
done
echo "call hr whoami answered for $user, through sign-in and token exchange"

step "the shipped demo config is what 'lanyard-lab --port 47800' writes"
demo="$root/usr/share/lanyard/demo-config.json"
port_of() { sed -nE "s#^$1 http://127\.0\.0\.1:([0-9]+)(/.*)?\$#\1#p" "$scratch/lab.out"; }
map=()
offset=0
for what in "endpoint hr" "endpoint docs" "endpoint bench" "identity authority" "identity token-service"; do
  port="$(port_of "$what")"
  [ -n "$port" ] || { cat "$scratch/lab.out"; fail "the lab did not print '$what'"; }
  map+=(-e "s#127\.0\.0\.1:$port([/\"])#127.0.0.1:$((47800 + offset))\1#g")
  offset=$((offset + 1))
done
sed -E "${map[@]}" "$scratch/lab.json" >"$scratch/lab-47800.json"
diff -u "$demo" "$scratch/lab-47800.json" || fail "demo-config.json differs from the lab's config for --port 47800"
"${run[@]}" "$bin/lanyard-cli" --config "$demo" servers | grep -q 127.0.0.1:47800 || fail "lanyard-cli cannot read the demo config"

kill -TERM "$lab_pid"
lab_rc=0
wait "$lab_pid" || lab_rc=$?
lab_pid=""
[ "$lab_rc" -eq 0 ] || { cat "$scratch/lab.err"; fail "lanyard-lab exited with $lab_rc on SIGTERM"; }

step "desktop file, AppStream metainfo, icons, man pages"
desktop-file-validate "$root/usr/share/applications/lanyard.desktop" || fail "desktop-file-validate failed"
grep -qx 'Exec=lanyard' "$root/usr/share/applications/lanyard.desktop" || fail "the desktop file does not run lanyard"
metainfo="$root/usr/share/metainfo/invalid.lanyard.Lanyard.metainfo.xml"
appstreamcli validate --no-net "$metainfo" || fail "appstreamcli validate failed"
grep -q "<release version=\"$version\"" "$metainfo" || fail "the metainfo does not name release $version"
for png in "$root"/usr/share/icons/hicolor/*x*/apps/lanyard.png; do
  size="$(basename "$(dirname "$(dirname "$png")")")"
  # PNG: width and height are big-endian 32-bit numbers at bytes 16..23 (IHDR).
  read -r w h < <(od -An -tu1 -j16 -N8 "$png" | awk '{ print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }')
  [ "${w}x${h}" = "$size" ] || fail "$png is ${w}x${h}, not $size"
done
for page in "$root"/usr/share/man/man1/*.1.gz; do
  gzip -t "$page" || fail "$page is not gzip"
  name="$(basename "$page" .1.gz)"
  zcat "$page" | grep -q "^\\.TH $(echo "$name" | tr '[:lower:]' '[:upper:]') 1 .*Lanyard $version" || fail "$page has no .TH line for $name $version"
  if command -v lexgrog >/dev/null; then lexgrog "$page" >/dev/null || fail "$page has no NAME section lexgrog can read"; fi
done

# ---- remove -----------------------------------------------------------------------------------
step "dpkg --root $root --purge lanyard"
dpkg_root --purge lanyard >"$scratch/dpkg-purge.log" 2>&1 || { cat "$scratch/dpkg-purge.log"; fail "dpkg --purge failed"; }
status="$(dpkg-query --root="$root" -W -f='${Status}' lanyard 2>/dev/null || true)"
case "$status" in "" | "unknown ok not-installed" | "purge ok not-installed") ;; *) fail "lanyard is still '$status'" ;; esac
left="$(find "$root" -mindepth 1 -path "$root/var/lib/dpkg" -prune -o -print | grep -vxE "$root/var|$root/var/lib" || true)"
[ -z "$left" ] || { echo "$left"; fail "files left behind after --purge"; }
echo "nothing left behind"

step "the build tree is unchanged"
restore_manifest
# Only what packaging writes counts: tests running beside this one (ctest -j) may add their own.
new_entries="$(comm -13 <(echo "$build_entries_before" | sort) <(ls -A "$build" | sort))"
left_in_build="$(echo "$new_entries" | grep -E '^(_CPack_Packages|install_manifest.*\.txt|.*\.(deb|ddeb|tar\.gz))$' || true)"
[ -z "$left_in_build" ] || fail "the test left files in $build: $left_in_build"
[ -z "$new_entries" ] || echo "(new in $build, made by other tests: $(echo $new_entries))"
echo "PASS"
