#pragma once
/* The text of a configuration: the -f arguments expanded (a directory contributes its *.cfg
 * files in lexical byte order, as HAProxy reads them) and each file read whole. */

#include <stddef.h>

#include "diag.h"

#define CFG_FILE_MAX_SIZE (64u << 20)

struct cfg_file {
        char *path; /* owned; as given, or DIR/NAME for a file found in a directory */
        char *text; /* owned; @len bytes plus a NUL not counted in @len */
        size_t len;
};

struct cfg_files {
        struct cfg_file *v; /* owned array of @n */
        size_t n;
};

/* Read @paths in order. Every problem (missing file, unreadable directory, file too large)
 * is recorded in @diags; readable files are still loaded so that all errors are reported.
 * Returns 0 when no error was recorded, -EINVAL when one was, -ENOMEM. */
int cfg_files_load(const char *const *paths, size_t n_paths, struct cfg_files *ret_files,
                   struct cfg_diags *diags);

void cfg_files_clear(struct cfg_files *files);

/* Read the regular file @path whole, at most @max bytes. Returns 0 and *ret_text (malloc'd,
 * NUL-terminated after *ret_len bytes), -EFBIG past @max, -EISDIR, or -errno. */
int cfg_read_file(const char *path, size_t max, char **ret_text, size_t *ret_len);
