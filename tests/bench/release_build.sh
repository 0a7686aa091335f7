# Sourced by the scripts of tests/bench: builds the sluice they measure in $build (BUILD_DIR,
# by default build-release/ of the checkout $top) as the packages build it: optimized, and
# linked with link-time optimization (-Db_lto=true), so that a figure is what ships. A build
# directory set up otherwise is switched to it. LTO=false builds without it (to measure what
# LTO brings).
build=${BUILD_DIR:-$top/build-release}
lto=${LTO:-true}
if [ ! -d "$build" ]; then
        meson setup "$build" "$top" --buildtype=release -Db_lto="$lto" -Dtests=disabled >/dev/null
else
        meson configure "$build" -Db_lto="$lto" >/dev/null
fi
ninja -C "$build" sluice >/dev/null
