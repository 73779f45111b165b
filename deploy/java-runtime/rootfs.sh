#!/usr/bin/env bash
# Lays out the root file system of vfleet's base image in $2 (emptied first): a Java runtime made by
# jlink from the JDK at $1, the C library that runtime links against (taken from where this machine's
# dynamic linker finds it, at the same paths), and the vfleet user. No shell, no package manager:
# nothing in the image runs but java.
set -euo pipefail

java_home=$1
root=$2

# java.se for the platform's APIs (java.beans, java.sql, JMX, ...), and the jdk.* modules the
# applications' libraries reach for: sun.misc.Unsafe (Netty, gRPC), com.sun.management and JFR
# (Micrometer), DNS through JNDI (gRPC's resolver), extended socket options (Netty), jcmd for operators.
modules=java.se,jdk.unsupported,jdk.management,jdk.management.jfr,jdk.jfr,jdk.naming.dns,jdk.net,jdk.zipfs,jdk.charsets,jdk.crypto.cryptoki,jdk.jcmd

rm -rf "$root"
mkdir -p "$root/opt" "$root/etc" "$root/tmp" "$root/app"
"$java_home/bin/jlink" --add-modules "$modules" \
    --strip-debug --no-man-pages --no-header-files --output "$root/opt/java"

# The runtime's desktop libraries (X11, ALSA) are never loaded by a headless server; everything else
# must find its shared libraries in the image.
binaries=$(find "$root/opt/java/bin" "$root/opt/java/lib" -type f \( -perm -u+x -o -name '*.so' \) \
    ! -name 'libawt_xawt.so' ! -name 'libjawt.so' ! -name 'libjsound.so' ! -name 'libsplashscreen.so')
libraries=$(for binary in $binaries; do
    ldd "$binary" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
done | grep -v "^$root/" | sort -u)
# glibc loads libgcc_s when a thread is cancelled or exits through pthread_exit.
gcc_s=$(/sbin/ldconfig -p | awk '$1 == "libgcc_s.so.1" && $NF ~ /^\// { print $NF; exit }')
for library in $libraries $gcc_s; do
    mkdir -p "$root$(dirname "$library")"
    cp -L "$library" "$root$library"
done
if [ ! -e "$root/lib64/ld-linux-x86-64.so.2" ] && [ ! -e "$root/lib/ld-linux-x86-64.so.2" ]; then
    echo "no dynamic linker found for $java_home/bin/java" >&2
    exit 1
fi

cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
vfleet:x:10001:10001:vfleet:/app:/sbin/nologin
PASSWD
cat > "$root/etc/group" <<'GROUP'
root:x:0:
vfleet:x:10001:
GROUP
# Compose and Kubernetes write /etc/hosts; names not in it go to their DNS.
echo 'hosts: files dns' > "$root/etc/nsswitch.conf"
