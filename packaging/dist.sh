#!/bin/sh
# meson dist script: the release tarball carries the RPM spec with meson.build's version
# (so that `rpmbuild -tb` finds it), and refuses a debian/changelog whose version differs.
set -eu
version=$1
root=${MESON_DIST_ROOT:?}
{
        sed "s/@VERSION@/$version/" "$root/packaging/rpm/sluice.spec.in"
        printf '\n%%changelog\n* %s sluice developers <sluice@packages.invalid> - %s-1\n- Release %s.\n' \
                "$(LC_ALL=C date -u '+%a %b %d %Y')" "$version" "$version"
} >"$root/sluice.spec"
deb=$(sed -n '1s/^sluice (\([^)]*\)).*/\1/p' "$root/debian/changelog")
if [ "$deb" != "$version" ]; then
        echo "debian/changelog is at $deb, meson.build at $version" >&2
        exit 1
fi
