# Sourced by helpers/quickstart and .ci/run: the Debian packages nerdpy and its tests need.
# shellcheck shell=bash

# What nerdpy itself uses on a host.
NERDPY_RUNTIME_PACKAGES="runc uidmap slirp4netns passt fuse-overlayfs catatonit tini busybox-static aardvark-dns
    iproute2 nftables procps util-linux python3 python3-venv python3-pip ca-certificates"

# What the test suite adds: a real registry, independent image tools and podman to compare
# against, crun, shells for the completion tests, groff for the man-page test, a C compiler
# for the static probes and race helpers of the security tests (tests/integration/security_probe.c,
# tests/integration/test_security_tree.py).
NERDPY_TEST_PACKAGES="docker-registry skopeo umoci podman crun psmisc git groff-base zsh fish gcc libc6-dev"

# Debian's dynamic busybox for test images that resolve names (tests/fixtures/images.py).
# Only downloaded into apt's cache, never installed: it conflicts with busybox-static.
nerdpy_fetch_dynamic_busybox() {
    if ! ls /var/cache/apt/archives/busybox_*.deb >/dev/null 2>&1; then
        local tmp
        tmp=$(mktemp -d)
        (cd "$tmp" && apt-get download busybox >/dev/null 2>&1 && mv busybox_*.deb /var/cache/apt/archives/)
        rm -rf "$tmp"
    fi
    chmod a+r /var/cache/apt/archives/busybox_*.deb
}

# /dev/net/tun usable by users: slirp4netns and pasta need it (Debian ships it 0600).
nerdpy_open_tun() {
    mkdir -p /dev/net
    [ -e /dev/net/tun ] || mknod /dev/net/tun c 10 200
    chmod 0666 /dev/net/tun
}

# /dev/fuse usable by users (the usual mode on desktop distros; this host ships it 0600):
# lets CI test the rootless fuse-overlayfs fallback instead of skipping it.
nerdpy_open_fuse() {
    [ -e /dev/fuse ] || mknod -m 0666 /dev/fuse c 10 229
    chmod 0666 /dev/fuse
}

# Give USER a 65536-id subuid and subgid range after every existing one (keeps an existing one).
nerdpy_add_subids() {
    local user=$1 uid kind file start
    uid=$(id -u "$user")
    for kind in uid gid; do
        file=/etc/sub$kind
        touch "$file"
        if grep -qE "^($user|$uid):" "$file"; then
            echo "$file: $(grep -E "^($user|$uid):" "$file" | head -1) (kept)"
        else
            start=$(awk -F: 'BEGIN { m = 100000 } NF == 3 { e = $2 + $3; if (e > m) m = e } END { print m }' "$file")
            usermod "--add-sub${kind}s" "$start-$((start + 65535))" "$user"
            echo "$file: $user:$start:65536 (added)"
        fi
    done
}
