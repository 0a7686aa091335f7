#!/bin/sh
# Lint the man pages named as arguments with mandoc and groff: any message fails the test.
# Exit status 77 (meson's "skipped") when either program is missing.
for prog in mandoc groff; do
        if ! command -v "$prog" >/dev/null 2>&1; then
                echo "$prog not found: skipping" >&2
                exit 77
        fi
done
status=0
out=$(mandoc -T lint -W warning "$@" 2>&1)
if [ -n "$out" ]; then
        printf 'mandoc -T lint -W warning:\n%s\n' "$out"
        status=1
fi
for page in "$@"; do
        out=$(groff -man -ww -z "$page" 2>&1)
        if [ -n "$out" ]; then
                printf 'groff -man -ww -z %s:\n%s\n' "$page" "$out"
                status=1
        fi
done
exit $status
