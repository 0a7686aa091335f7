/* Corpus replay for builds without libFuzzer (gcc, sanitizer CI): every argument is a file or
 * a directory of files, each fed once to LLVMFuzzerTestOneInput(). A crash or sanitizer
 * report fails the meson test; the TAP output names each input. With -Dfuzzing=true the
 * fuzz executables link libFuzzer's own main instead. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n_run;

static int replay_file(const char *path)
{
        FILE *f = fopen(path, "rb");
        uint8_t *data = NULL;
        size_t cap = 0, len = 0;

        if (!f) {
                printf("not ok %d - %s: %s\n", ++n_run, path, strerror(errno));
                return -1;
        }
        for (;;) {
                size_t n;

                if (len == cap) {
                        uint8_t *grown;

                        cap = cap ? cap * 2 : 4096;
                        grown = realloc(data, cap);
                        if (!grown) {
                                free(data);
                                fclose(f);
                                printf("not ok %d - %s: out of memory\n", ++n_run, path);
                                return -1;
                        }
                        data = grown;
                }
                n = fread(data + len, 1, cap - len, f);
                len += n;
                if (n == 0)
                        break;
        }
        fclose(f);
        /* An exact-size copy, so ASan sees reads past the input's end. */
        uint8_t *exact = malloc(len ? len : 1);
        if (!exact) {
                free(data);
                printf("not ok %d - %s: out of memory\n", ++n_run, path);
                return -1;
        }
        if (len)
                memcpy(exact, data, len);
        free(data);
        (void)LLVMFuzzerTestOneInput(exact, len);
        free(exact);
        printf("ok %d - %s\n", ++n_run, path);
        return 0;
}

static int name_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir)
{
        struct dirent *de;
        char **names = NULL;
        size_t n = 0;
        int failed = 0;
        DIR *d = opendir(dir);

        if (!d) {
                printf("not ok %d - %s: %s\n", ++n_run, dir, strerror(errno));
                return -1;
        }
        while ((de = readdir(d))) {
                char **grown;

                if (de->d_name[0] == '.')
                        continue;
                grown = realloc(names, (n + 1) * sizeof(*names));
                if (!grown)
                        break;
                names = grown;
                if (asprintf(&names[n], "%s/%s", dir, de->d_name) < 0)
                        break;
                n++;
        }
        closedir(d);
        qsort(names, n, sizeof(*names), name_cmp);
        for (size_t i = 0; i < n; i++) {
                struct stat st;

                if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode) && replay_file(names[i]) < 0)
                        failed = -1;
                free(names[i]);
        }
        free(names);
        return failed;
}

int main(int argc, char **argv)
{
        int failed = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;

                if (stat(argv[i], &st) == -1) {
                        printf("not ok %d - %s: %s\n", ++n_run, argv[i], strerror(errno));
                        failed = 1;
                } else if (S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : replay_file(argv[i])) {
                        failed = 1;
                }
        }
        printf("1..%d\n", n_run);
        return failed || n_run == 0;
}
