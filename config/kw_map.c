/* Pattern files and maps, read at load: the ACL flags -f and -M, and the map converters
 * (map, map_<match>[_<output>]) with their default values. A map file is read once per match
 * method and output type and shared by every converter that names it, as HAProxy shares its
 * pattern references. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kw_sample_arg.h"
#include "macros.h"
#include "parse-int.h"
#include "pat_index.h"
#include "patfile.h"
#include "source.h"

/* Pattern and map files may be far larger than configuration files (address lists). */
#define PATFILE_MAX (256u << 20)

static const char *const match_names[] = {
        [CFG_MATCH_STR] = "str", [CFG_MATCH_BEG] = "beg", [CFG_MATCH_END] = "end",
        [CFG_MATCH_SUB] = "sub", [CFG_MATCH_DIR] = "dir", [CFG_MATCH_DOM] = "dom",
        [CFG_MATCH_REG] = "reg", [CFG_MATCH_INT] = "int", [CFG_MATCH_IP] = "ip",
};

/* Read @path whole; reports at word @w. The text is malloc'd. */
static bool read_patfile(struct cfg_parser *p, unsigned w, const char *path, char **ret,
                         size_t *ret_len)
{
        int r = cfg_read_file(path, PATFILE_MAX, ret, ret_len);

        if (r == -EFBIG)
                cfg__err(p, w, "pattern file '%s' is larger than %u MiB", path, PATFILE_MAX >> 20);
        else if (r < 0)
                cfg__err(p, w, "cannot open pattern file '%s': %s", path, strerror(-r));
        return r == 0;
}

struct load_ctx {
        struct cfg_parser *p;
        unsigned w;
        const char *path;
        struct cfg_acl_expr *e;
        struct cfg_map *map; /* NULL: an ACL's file */
        bool ok;
};

/* A value of a map of output @out from @s; false when @s is not one. */
static bool map_value(struct cfg_parser *p, enum cfg_smp_type out, struct sl_str s,
                      struct cfg_smp_value *ret)
{
        char buf[INET6_ADDRSTRLEN + 1];

        *ret = (struct cfg_smp_value){.type = out};
        switch (out) {
        case CFG_SMP_INT: {
                char *end;

                if (s.len == 0 || s.len >= sizeof(buf))
                        return false;
                memcpy(buf, s.ptr, s.len);
                buf[s.len] = '\0';
                errno = 0;
                ret->i = strtoll(buf, &end, 10);
                return *end == '\0' && errno == 0;
        }
        case CFG_SMP_IP:
                if (s.len >= sizeof(buf))
                        return false;
                memcpy(buf, s.ptr, s.len);
                buf[s.len] = '\0';
                if (inet_pton(AF_INET, buf, ret->addr) == 1) {
                        ret->family = AF_INET;
                        return true;
                }
                ret->family = AF_INET6;
                return inet_pton(AF_INET6, buf, ret->addr) == 1;
        default:
                ret->str = sl_str_make(cfg_arena_strndup(&p->gen->arena, s.ptr ? s.ptr : "", s.len),
                                       s.len);
                return ret->str.ptr != NULL;
        }
}

static bool load_line(void *data, const struct cfg_patfile_line *l)
{
        struct load_ctx *c = data;
        char where[320];

        snprintf(where, sizeof(where), "%s:%u: ", c->path, l->line);
        if (!cfg__pattern_add(c->p, c->w, where, c->e, l->key, 0))
                return c->ok = false;
        if (c->map) {
                struct cfg_map *m = c->map;
                struct cfg_smp_value *v = cfg_arena_push(&c->p->gen->arena, (void **)&m->values,
                                                         &m->n_values, &m->cap_values, sizeof(*v));

                if (!v) {
                        cfg__oom(c->p);
                        return c->ok = false;
                }
                if (!map_value(c->p, m->out, l->value, v)) {
                        cfg__err(c->p, c->w, "%sinvalid %s value '%.*s'", where,
                                 cfg_smp_type_name(m->out), (int)l->value.len, l->value.ptr);
                        return c->ok = false;
                }
        }
        return true;
}

/* Load @path into @e (and @map's values when a map); reports at word @w. */
static bool load(struct cfg_parser *p, unsigned w, const char *path, struct cfg_acl_expr *e,
                 struct cfg_map *map, bool as_map)
{
        struct load_ctx c = {p, w, path, e, map, true};
        char *text;
        size_t len;

        if (!read_patfile(p, w, path, &text, &len))
                return false;
        (void)cfg_patfile_each(text, len, as_map, load_line, &c);
        free(text);
        return c.ok;
}

bool cfg__pattern_file(struct cfg_parser *p, unsigned w, struct cfg_acl_expr *e, bool as_map)
{
        return load(p, w, cfg__word(p, w), e, NULL, as_map);
}

/* The match method and output type a map converter's name says: "map", "map_<match>" or
 * "map_<match>_<output>". */
static bool map_name(struct smp_parse *sp, const char *cname, enum cfg_match *ret_m,
                     enum cfg_smp_type *ret_out)
{
        static const struct {
                const char *name;
                enum cfg_smp_type type;
        } outs[] = {{"str", CFG_SMP_STR}, {"int", CFG_SMP_INT}, {"ip", CFG_SMP_IP}};
        const char *m = cname + 3, *u;
        size_t mlen;

        *ret_m = CFG_MATCH_STR;
        *ret_out = CFG_SMP_STR;
        if (!*m)
                return true;
        if (strcmp(m, "_regm") == 0) {
                *ret_m = CFG_MATCH_REG;
                return true;
        }
        m++; /* the '_' */
        u = strchr(m, '_');
        mlen = u ? (size_t)(u - m) : strlen(m);
        for (size_t i = 0; i <= SL_ARRAY_SIZE(match_names); i++) {
                if (i == SL_ARRAY_SIZE(match_names))
                        goto unknown;
                if (match_names[i] && strlen(match_names[i]) == mlen &&
                    memcmp(match_names[i], m, mlen) == 0) {
                        *ret_m = (enum cfg_match)i;
                        break;
                }
        }
        if (!u)
                return true;
        for (size_t i = 0; i < SL_ARRAY_SIZE(outs); i++) {
                if (strcmp(u + 1, outs[i].name) == 0) {
                        *ret_out = outs[i].type;
                        return true;
                }
        }
unknown:
        cfg__smp_err(sp,
                     "unknown converter '%s': a map converter is map, map_regm, "
                     "map_<match> or map_<match>_<output>, <match> one of str, beg, sub, dir, "
                     "dom, end, reg, int and ip, <output> one of str, int and ip",
                     cname);
        return false;
}

bool cfg__map_conv(struct smp_parse *sp, const char *cname, struct cfg_conv_call *c)
{
        struct cfg_parser *p = sp->p;
        const char *path = c->args[0].str.ptr;
        enum cfg_match m;
        enum cfg_smp_type out;
        struct cfg_map *map;

        if (!map_name(sp, cname, &m, &out))
                return false;
        if (!path || !*path) {
                cfg__smp_err(sp, "'%s' needs a map file: '%s(<file>[,<default>])'", cname, cname);
                return false;
        }
        for (map = p->gen->maps; map; map = map->next)
                if (map->keys.match == m && map->out == out && strcmp(map->path, path) == 0)
                        break;
        if (!map) {
                map = cfg_arena_alloc(&p->gen->arena, sizeof(*map));
                if (!map) {
                        cfg__oom(p);
                        return false;
                }
                map->path = path;
                map->keys.match = m;
                map->keys.where = (struct cfg_where){p->file, p->l->line};
                map->in = cfg_match_type(m);
                map->out = out;
                if (!load(p, sp->w, path, &map->keys, map, true))
                        return false;
                if (!cfg_pat_index_build(&p->gen->arena, m, false, map->keys.pats, map->keys.n_pats,
                                         &map->keys.index)) {
                        cfg__oom(p);
                        return false;
                }
                map->next = p->gen->maps;
                p->gen->maps = map;
        }
        c->map = map;
        c->in = map->in;
        c->out = map->out;
        c->map_backrefs = strcmp(cname, "map_regm") == 0;
        if (c->n_args > 1) {
                if (!map_value(p, out, c->args[1].str, &c->map_default)) {
                        cfg__smp_err(sp, "'%s': the default '%s' is not an %s", cname,
                                     c->args[1].str.ptr, cfg_smp_type_name(out));
                        return false;
                }
                c->map_has_default = true;
        }
        return true;
}
