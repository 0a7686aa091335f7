/* Server-state files (state_file.h): HAProxy's version 1 and sluice's own, read line by line
 * into arena entries; every problem is a warning with the file and line, never an error. */
#include "state_file.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"

#define STATE_FILE_MAX (64u << 20) /* a million servers' lines fit */
#define MAX_FIELDS     32

/* HAProxy's version 1: 20 to 25 fields (SRV_STATE_FILE_{MIN,MAX}_FIELDS_VERSION_1) */
#define HA_MIN_FIELDS 20
#define HA_MAX_FIELDS 25
#define SL_FIELDS     18

struct rd {
        struct cfg_arena *arena;
        struct cfg_diags *d;
        const char *path;
        unsigned line;
        bool bad; /* this line was refused (reported) */
};

static void warn(struct rd *r, const char *what, const char *value)
{
        cfg_diag_add(r->d, CFG_SEV_WARNING, r->path, r->line, 0,
                     "server-state file: %s '%s': line ignored", what, value);
        r->bad = true;
}

static unsigned long long num(struct rd *r, const char *w, unsigned long long max, const char *what)
{
        char *end;
        unsigned long long v;

        if (r->bad)
                return 0;
        errno = 0;
        v = strtoull(w, &end, 10);
        if (*w < '0' || *w > '9' || *end || errno || v > max) {
                warn(r, what, w);
                return 0;
        }
        return v;
}

/* An IPv4 or IPv6 address (no port) into @ss; "-" leaves @has false */
static void ip(struct rd *r, const char *w, struct sockaddr_storage *ss, bool *has)
{
        memset(ss, 0, sizeof(*ss));
        *has = false;
        if (r->bad || strcmp(w, "-") == 0)
                return;
        if (inet_pton(AF_INET, w, &((struct sockaddr_in *)ss)->sin_addr) == 1)
                ss->ss_family = AF_INET;
        else if (inet_pton(AF_INET6, w, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1)
                ss->ss_family = AF_INET6;
        else {
                warn(r, "invalid address", w);
                return;
        }
        *has = true;
}

static const char *sdup(struct rd *r, const char *w)
{
        return cfg_arena_strdup(r->arena, w);
}

/* HAProxy's version 1 (its server-t.h for the numbers) */
static void line_haproxy(struct rd *r, char **f, unsigned n, struct cfg_state_entry *e)
{
        unsigned long long op, admin, chk_state;

        if (n < HA_MIN_FIELDS || n > HA_MAX_FIELDS) {
                char count[16];

                snprintf(count, sizeof(count), "%u", n);
                warn(r, "a version 1 line has 20 to 25 fields, not", count);
                return;
        }
        e->backend = sdup(r, f[1]);
        e->server = sdup(r, f[3]);
        ip(r, f[4], &e->addr, &e->has_addr);
        op = num(r, f[5], 3, "invalid srv_op_state");
        admin = num(r, f[6], 0xff, "invalid srv_admin_state");
        e->weight = (unsigned)num(r, f[7], 256, "invalid srv_uweight");
        e->cfg_weight = (unsigned)num(r, f[8], 256, "invalid srv_iweight");
        (void)num(r, f[9], UINT64_MAX, "invalid srv_time_since_last_change");
        e->chk_status = (unsigned)num(r, f[10], 255, "invalid srv_check_status");
        e->health = (unsigned)num(r, f[12], 65535, "invalid srv_check_health");
        chk_state = num(r, f[13], 0xffff, "invalid srv_check_state");
        e->port = (uint16_t)num(r, f[18], 65535, "invalid srv_port");
        /* SRV_ST_STOPPED, STARTING, RUNNING, STOPPING (up, no new traffic) */
        e->op = op == 0 ? CFG_STATE_OP_DOWN : op == 3 ? CFG_STATE_OP_NOLB : CFG_STATE_OP_UP;
        /* only what an operator forced: SRV_ADMF_FMAINT, SRV_ADMF_FDRAIN (the configuration's
         * CMAINT is the configuration's to say) */
        e->admin = (uint8_t)(((admin & 0x01) ? CFG_STATE_ADMIN_MAINT : 0) |
                             ((admin & 0x08) ? CFG_STATE_ADMIN_DRAIN : 0));
        e->checked = (chk_state & 0x0002) != 0; /* CHK_ST_CONFIGURED */
}

static void line_sluice(struct rd *r, char **f, unsigned n, struct cfg_state_entry *e)
{
        char *end;

        if (n != SL_FIELDS) {
                char count[16];

                snprintf(count, sizeof(count), "%u", n);
                warn(r, "a line has 18 fields, not", count);
                return;
        }
        e->sluice = true;
        e->backend = sdup(r, f[0]);
        e->server = sdup(r, f[1]);
        e->cfg_addr = sdup(r, f[2]);
        e->cfg_port = (uint16_t)num(r, f[3], 65535, "invalid cfg_port");
        e->cfg_weight = (unsigned)num(r, f[4], 256, "invalid cfg_weight");
        errno = 0;
        e->cfg_sum = strtoull(f[5], &end, 16);
        if (!r->bad && (strlen(f[5]) != 16 || *end || errno))
                warn(r, "invalid cfg_sum", f[5]);
        ip(r, f[6], &e->addr, &e->has_addr);
        e->port = (uint16_t)num(r, f[7], 65535, "invalid port");
        e->addr_set = num(r, f[8], 1, "invalid addr_set") != 0;
        e->op = (uint8_t)num(r, f[9], CFG_STATE_OP_NOLB, "invalid op");
        e->admin = (uint8_t)num(r, f[10], CFG_STATE_ADMIN_MAINT | CFG_STATE_ADMIN_DRAIN,
                                "invalid admin");
        e->weight = (unsigned)num(r, f[11], 256, "invalid weight");
        e->health = (unsigned)num(r, f[12], 65535, "invalid health");
        e->checked = num(r, f[13], 1, "invalid checked") != 0;
        e->chk_status = (unsigned)num(r, f[14], 255, "invalid chk_status");
        e->chk_code = (unsigned)num(r, f[15], 999, "invalid chk_code");
        e->last_change_ms = num(r, f[16], UINT64_MAX, "invalid last_change_ms");
        if (strcmp(f[17], "-") != 0) {
                e->maxconn_set = true;
                e->maxconn = (uint32_t)num(r, f[17], 10000000, "invalid maxconn");
        }
        if (!r->bad && e->addr_set && !e->has_addr)
                warn(r, "addr_set without an address", f[8]);
}

static void refuse(struct rd *r, struct cfg_state_file *f, const char *why)
{
        cfg_diag_add(r->d, CFG_SEV_WARNING, r->path, r->line, 0,
                     "server-state file refused: %s; the configuration is used", why);
        f->ok = false;
        f->n = 0;
}

static int name_cmp(const char *ab, const char *as, const char *bb, const char *bs)
{
        int c = strcmp(ab, bb);

        return c ? c : strcmp(as, bs);
}

static int entry_cmp(const void *a, const void *b)
{
        const struct cfg_state_entry *x = a, *y = b;
        int c = name_cmp(x->backend, x->server, y->backend, y->server);

        return c ? c : x->line < y->line ? -1 : x->line > y->line;
}

void cfg_state_file_parse(struct cfg_arena *arena, struct cfg_diags *d, const char *path,
                          const char *buf, size_t len, struct cfg_state_file *f)
{
        struct rd r = {.arena = arena, .d = d, .path = path};
        const char *p = buf, *end = buf + len;
        bool version = false, ended = false;
        size_t n_lines = 0;

        f->path = cfg_arena_strdup(arena, path);
        f->ok = true;
        if (memchr(buf, '\0', len)) {
                r.line = 1;
                refuse(&r, f, "it holds a NUL byte: not a text file");
                return;
        }
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
                char line[4096], *fields[MAX_FIELDS], *save = NULL, *tok;
                unsigned n = 0;

                r.line++;
                r.bad = false;
                if (ll >= sizeof(line)) {
                        if (!version) {
                                refuse(&r, f, "no version on its first line");
                                return;
                        }
                        cfg_diag_add(d, CFG_SEV_WARNING, path, r.line, 0,
                                     "server-state file: a line of %zu bytes: line ignored", ll);
                        p = nl ? nl + 1 : end;
                        continue;
                }
                memcpy(line, p, ll);
                line[ll] = '\0';
                p = nl ? nl + 1 : end;
                if (ll && line[ll - 1] == '\r')
                        line[--ll] = '\0';
                for (tok = strtok_r(line, " \t", &save); tok && n < MAX_FIELDS;
                     tok = strtok_r(NULL, " \t", &save))
                        fields[n++] = tok;
                if (tok) {
                        if (!version) {
                                refuse(&r, f, "no version on its first line");
                                return;
                        }
                        cfg_diag_add(d, CFG_SEV_WARNING, path, r.line, 0,
                                     "server-state file: more than %d fields: line ignored",
                                     MAX_FIELDS);
                        continue;
                }
                if (!version) {
                        /* the first line: HAProxy's "1", or sluice's "sluice-server-state 1" */
                        if (n == 1 && strcmp(fields[0], "1") == 0) {
                                version = true;
                        } else if (n == 2 && strcmp(fields[0], "sluice-server-state") == 0 &&
                                   strcmp(fields[1], "1") == 0) {
                                version = true;
                                f->sluice = true;
                        } else {
                                refuse(&r, f,
                                       n && (strcmp(fields[0], "sluice-server-state") == 0 ||
                                             strspn(fields[0], "0123456789") == strlen(fields[0]))
                                               ? "unknown version (sluice reads HAProxy's "
                                                 "version 1 and its own version 1)"
                                               : "no version on its first line");
                                return;
                        }
                        continue;
                }
                if (n == 0 || fields[0][0] == '#')
                        continue;
                if (ended) {
                        refuse(&r, f, "lines after its end line");
                        return;
                }
                if (f->sluice && strcmp(fields[0], "end") == 0) {
                        char *e;
                        unsigned long long want = n == 2 ? strtoull(fields[1], &e, 10) : 0;

                        if (n != 2 || *e || want != n_lines) {
                                char why[96];

                                snprintf(why, sizeof(why),
                                         "its end line counts %s servers, %zu "
                                         "lines were read",
                                         n == 2 ? fields[1] : "no", n_lines);
                                refuse(&r, f, why);
                                return;
                        }
                        ended = true;
                        continue;
                }
                n_lines++;
                {
                        struct cfg_state_entry e = {.line = r.line};
                        struct cfg_state_entry *slot;

                        if (f->sluice)
                                line_sluice(&r, fields, n, &e);
                        else
                                line_haproxy(&r, fields, n, &e);
                        if (r.bad)
                                continue;
                        if (!e.backend || !e.server || (f->sluice && !e.cfg_addr)) {
                                refuse(&r, f, "out of memory");
                                return;
                        }
                        slot = cfg_arena_push(arena, (void **)&f->v, &f->n, &f->cap, sizeof(*f->v));
                        if (!slot) {
                                refuse(&r, f, "out of memory");
                                return;
                        }
                        *slot = e;
                }
        }
        if (!version) {
                r.line = 1;
                refuse(&r, f, "it is empty");
                return;
        }
        if (f->sluice && !ended) {
                refuse(&r, f, "it has no end line: it was cut short");
                return;
        }
        /* sorted by name for cfg_state_file_find(); a server given twice keeps its first */
        if (f->n > 1)
                qsort(f->v, f->n, sizeof(*f->v), entry_cmp);
        {
                size_t k = 0;

                for (size_t i = 0; i < f->n; i++) {
                        if (k && strcmp(f->v[i].backend, f->v[k - 1].backend) == 0 &&
                            strcmp(f->v[i].server, f->v[k - 1].server) == 0) {
                                cfg_diag_add(d, CFG_SEV_WARNING, path, f->v[i].line, 0,
                                             "server-state file: server '%s/%s' again (first "
                                             "on line %u): line ignored",
                                             f->v[i].backend, f->v[i].server, f->v[k - 1].line);
                                continue;
                        }
                        f->v[k++] = f->v[i];
                }
                f->n = k;
        }
}

void cfg_state_file_read(struct cfg_arena *arena, struct cfg_diags *d, const char *path,
                         struct cfg_state_file *f)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        char *buf = NULL;
        size_t len = 0;

        f->path = cfg_arena_strdup(arena, path);
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
            (size_t)st.st_size > STATE_FILE_MAX) {
                int err = fd < 0 ? errno : 0;

                cfg_diag_add(d, CFG_SEV_WARNING, path, 0, 0,
                             "server-state file cannot be read: %s; the configuration is used",
                             err                    ? strerror(err)
                             : !S_ISREG(st.st_mode) ? "not a regular file"
                                                    : "larger than 64 MiB");
                if (fd >= 0)
                        close(fd);
                return;
        }
        buf = malloc((size_t)st.st_size + 1);
        while (buf && len < (size_t)st.st_size) {
                ssize_t k = read(fd, buf + len, (size_t)st.st_size - len);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                len += (size_t)k;
        }
        close(fd);
        if (!buf) {
                cfg_diag_add(d, CFG_SEV_WARNING, path, 0, 0,
                             "server-state file cannot be read: out of memory; the "
                             "configuration is used");
                return;
        }
        cfg_state_file_parse(arena, d, path, buf, len, f);
        free(buf);
}

const struct cfg_state_entry *cfg_state_file_find(const struct cfg_state_file *f,
                                                  const char *backend, const char *server)
{
        size_t lo = 0, hi = f ? f->n : 0;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = name_cmp(backend, server, f->v[mid].backend, f->v[mid].server);

                if (c == 0)
                        return &f->v[mid];
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return NULL;
}
