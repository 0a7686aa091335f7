/* Reads configuration files and directories for the loader (config/load.c). */
#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int files_push(struct cfg_files *files, char *path, char *text, size_t len)
{
        struct cfg_file *v = realloc(files->v, (files->n + 1) * sizeof(*v));

        if (!v)
                return -ENOMEM;
        files->v = v;
        v[files->n++] = (struct cfg_file){.path = path, .text = text, .len = len};
        return 0;
}

int cfg_read_file(const char *path, size_t max, char **ret_text, size_t *ret_len)
{
        size_t len = 0, cap = 0;
        char *text = NULL;
        struct stat st;
        int fd, err;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd == -1)
                return -errno;
        if (fstat(fd, &st) == -1)
                goto err_errno;
        if (S_ISDIR(st.st_mode)) {
                err = -EISDIR;
                goto err_close;
        }
        for (;;) {
                ssize_t n;

                if (len + 1 >= cap) {
                        char *grown;

                        if (cap > max) {
                                err = -EFBIG;
                                goto err_close;
                        }
                        cap = cap ? cap * 2 : 8192;
                        grown = realloc(text, cap);
                        if (!grown) {
                                err = -ENOMEM;
                                goto err_close;
                        }
                        text = grown;
                }
                n = read(fd, text + len, cap - len - 1);
                if (n == -1) {
                        if (errno == EINTR)
                                continue;
                        goto err_errno;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        if (len > max) {
                err = -EFBIG;
                goto err_close;
        }
        close(fd);
        if (!text) {
                text = malloc(1);
                if (!text)
                        return -ENOMEM;
        }
        text[len] = '\0';
        *ret_text = text;
        *ret_len = len;
        return 0;

err_errno:
        err = -errno;
err_close:
        close(fd);
        free(text);
        return err;
}

static int source_add_file(struct cfg_files *files, const char *path, struct cfg_diags *diags)
{
        char *text = NULL, *copy;
        size_t len = 0;
        int r;

        r = cfg_read_file(path, CFG_FILE_MAX_SIZE, &text, &len);
        if (r == -ENOMEM)
                return r;
        if (r == -EFBIG) {
                cfg_diag_add(diags, CFG_SEV_ERROR, path, 0, 0, "file is larger than %u MiB",
                             CFG_FILE_MAX_SIZE >> 20);
                return 0;
        }
        if (r < 0) {
                cfg_diag_add(diags, CFG_SEV_ERROR, path, 0, 0, "cannot read: %s", strerror(-r));
                return 0;
        }
        copy = strdup(path);
        if (!copy || files_push(files, copy, text, len) < 0) {
                free(copy);
                free(text);
                return -ENOMEM;
        }
        return 0;
}

static int name_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int source_has_cfg_suffix(const char *name)
{
        size_t n = strlen(name);

        return n > 4 && strcmp(name + n - 4, ".cfg") == 0;
}

/* A directory contributes its regular files named *.cfg (dot files excluded), sorted by
 * byte value so the order does not depend on the locale. */
static int source_add_dir(struct cfg_files *files, const char *dir, struct cfg_diags *diags)
{
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        int r = 0;
        DIR *d;

        d = opendir(dir);
        if (!d) {
                cfg_diag_add(diags, CFG_SEV_ERROR, dir, 0, 0, "cannot read directory: %s",
                             strerror(errno));
                return 0;
        }
        while ((de = readdir(d))) {
                struct stat st;
                char **grown, *path;

                if (de->d_name[0] == '.' || !source_has_cfg_suffix(de->d_name))
                        continue;
                if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (stat(path, &st) == -1 || !S_ISREG(st.st_mode)) {
                        free(path);
                        continue;
                }
                grown = realloc(names, (n + 1) * sizeof(*names));
                if (!grown) {
                        free(path);
                        r = -ENOMEM;
                        break;
                }
                names = grown;
                names[n++] = path;
        }
        closedir(d);
        if (n)
                qsort(names, n, sizeof(*names), name_cmp);
        for (size_t i = 0; i < n; i++) {
                if (r == 0)
                        r = source_add_file(files, names[i], diags);
                free(names[i]);
        }
        free(names);
        return r;
}

int cfg_files_load(const char *const *paths, size_t n_paths, struct cfg_files *ret_files,
                   struct cfg_diags *diags)
{
        struct cfg_files files = {0};
        size_t errors_before = diags->n_errors;
        int r = 0;

        for (size_t i = 0; i < n_paths && r == 0; i++) {
                struct stat st;

                if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
                        r = source_add_dir(&files, paths[i], diags);
                else
                        r = source_add_file(&files, paths[i], diags);
        }
        if (r < 0) {
                cfg_files_clear(&files);
                return r;
        }
        *ret_files = files;
        return diags->n_errors > errors_before ? -EINVAL : 0;
}

void cfg_files_clear(struct cfg_files *files)
{
        for (size_t i = 0; i < files->n; i++) {
                free(files->v[i].path);
                free(files->v[i].text);
        }
        free(files->v);
        *files = (struct cfg_files){0};
}
