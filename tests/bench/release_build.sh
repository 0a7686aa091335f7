# Sourced by the scripts of tests/bench: builds the sluice they measure in $build (BUILD_DIR,
# by default build-release/ of the checkout $top) as the packages build it: optimized, and
# linked with link-time optimization (-Db_lto=true), so that a figure is what ships. A build
# directory set up without LTO is switched to it.
build=${BUILD_DIR:-$top/build-release}
if [ ! -d "$build" ]; then
        meson setup "$build" "$top" --buildtype=release -Db_lto=true -Dtests=disabled >/dev/null
else
        meson configure "$build" -Db_lto=true >/dev/null
fi
ninja -C "$build" sluice >/dev/null
