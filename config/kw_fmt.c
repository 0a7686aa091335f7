/* Compiler of log-format strings (config/fmt.h), for log-format and for rule arguments that
 * are formats. */
#include <string.h>

#include "macros.h"
#include "parse-int.h"

static bool fmt_push(struct cfg_parser *p, struct cfg_fmt *f, struct cfg_fmt_node **ret)
{
        *ret = cfg_arena_push(&p->gen->arena, (void **)&f->nodes, &f->n_nodes, &f->cap_nodes,
                              sizeof(**ret));
        if (!*ret)
                cfg__oom(p);
        return *ret != NULL;
}

static bool fmt_lit(struct cfg_parser *p, struct cfg_fmt *f, const char *s, size_t len)
{
        struct cfg_fmt_node *n;

        if (len == 0)
                return true;
        /* extend the previous literal when it is the last node ("%%" splits literals) */
        if (f->n_nodes && f->nodes[f->n_nodes - 1].kind == CFG_FMT_LIT) {
                n = &f->nodes[f->n_nodes - 1];
                char *joined = cfg_arena_alloc(&p->gen->arena, n->lit.len + len + 1);

                if (!joined) {
                        cfg__oom(p);
                        return false;
                }
                memcpy(joined, n->lit.ptr, n->lit.len);
                memcpy(joined + n->lit.len, s, len);
                n->lit = sl_str_make(joined, n->lit.len + len);
                return true;
        }
        if (!fmt_push(p, f, &n))
                return false;
        n->kind = CFG_FMT_LIT;
        n->lit = sl_str_make(cfg_arena_strndup(&p->gen->arena, s, len), len);
        if (!n->lit.ptr) {
                cfg__oom(p);
                return false;
        }
        return true;
}

/* Parse "{+Q,-X}" at @s; returns the bytes read, or 0 after reporting an error. */
static size_t fmt_flags(struct cfg_parser *p, unsigned w, const char *s, unsigned *flags)
{
        const char *close = strchr(s, '}');
        const char *f = s + 1;

        if (!close) {
                cfg__err(p, w, "missing '}' after the format flags");
                return 0;
        }
        while (f < close) {
                const char *end = memchr(f, ',', (size_t)(close - f));
                size_t len;
                unsigned bit = 0;

                if (!end)
                        end = close;
                len = (size_t)(end - f);
                if (len == 2 && (f[0] == '+' || f[0] == '-')) {
                        if (f[1] == 'Q')
                                bit = CFG_FMT_F_QUOTE;
                        else if (f[1] == 'X')
                                bit = CFG_FMT_F_HEX;
                        else if (f[1] == 'E')
                                bit = CFG_FMT_F_ESCAPE;
                        else if (f[1] == 'M')
                                bit = CFG_FMT_F_MANDATORY;
                }
                if (!bit) {
                        cfg__err(p, w, "unknown format flag '%.*s': sluice has +Q, +X, +E and +M",
                                 (int)len, f);
                        return 0;
                }
                if (f[0] == '+')
                        *flags |= bit;
                else
                        *flags &= ~bit;
                f = end + (end < close);
        }
        return (size_t)(close - s) + 1;
}

bool cfg__fmt_parse(struct cfg_parser *p, unsigned w, struct cfg_fmt *ret)
{
        struct cfg_fmt f = {0};
        struct sl_str text = cfg__word_str(p, w);
        const char *s = text.ptr, *end = text.ptr + text.len, *lit = s;
        unsigned defflags = 0; /* set by "%{...}o" for the variables after it */

        f.src = cfg__dup(p, w);
        if (!f.src)
                return false;
        f.constant = true;
        while (s < end) {
                struct cfg_fmt_node *n;
                unsigned flags = defflags;

                if (*s != '%') {
                        s++;
                        continue;
                }
                if (!fmt_lit(p, &f, lit, (size_t)(s - lit)))
                        return false;
                s++;
                if (s < end && *s == '%') {
                        if (!fmt_lit(p, &f, "%", 1))
                                return false;
                        lit = ++s;
                        continue;
                }
                if (s < end && *s == '{') {
                        size_t used = fmt_flags(p, w, s, &flags);

                        if (!used)
                                return false;
                        s += used;
                }
                if (s < end && *s == '[') {
                        size_t len;
                        int implied;

                        if (!fmt_push(p, &f, &n))
                                return false;
                        n->kind = CFG_FMT_SAMPLE;
                        n->flags = flags;
                        /* the expression ends where the sample parser stops (a ']' may be
                         * quoted inside its arguments), and must be followed by ']' */
                        if (!cfg__sample_parse_prefix(p, w,
                                                      sl_str_make(s + 1, (size_t)(end - s - 1)),
                                                      &n->smp, &implied, &len))
                                return false;
                        if (s + 1 + len == end || s[1 + len] != ']') {
                                cfg__err(p, w, "missing ']' after '%%[%.*s' in format '%s'",
                                         (int)len, s + 1, f.src);
                                return false;
                        }
                        if (implied >= 0) {
                                cfg__err(p, w,
                                         "'%s' is an ACL criterion, not a sample fetch: "
                                         "use the fetch it derives from",
                                         cfg_fetch_name(n->smp.fetch));
                                return false;
                        }
                        f.constant = false;
                        lit = s = s + 1 + len + 1;
                        continue;
                }
                {
                        const char *name = s;
                        size_t len;
                        int var = -1;

                        while (s < end && ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
                                s++;
                        len = (size_t)(s - name);
                        if (len == 1 && name[0] == 'o') {
                                /* HAProxy's %o: its flags apply to every later field */
                                defflags = flags;
                                lit = s;
                                continue;
                        }
                        for (int v = 0; v < CFG_LV_COUNT && len; v++) {
                                const char *vn = cfg_log_var_name((enum cfg_log_var)v);

                                if (strlen(vn) == len && memcmp(vn, name, len) == 0)
                                        var = v;
                        }
                        if (var < 0) {
                                if (len)
                                        cfg__err(p, w,
                                                 "unknown log-format variable '%%%.*s' in "
                                                 "'%s'",
                                                 (int)len, name, f.src);
                                else
                                        cfg__err(p, w,
                                                 "'%%' must be followed by a variable, '[' "
                                                 "or '%%' in '%s' (write '%%%%' for a "
                                                 "percent sign)",
                                                 f.src);
                                return false;
                        }
                        if (!fmt_push(p, &f, &n))
                                return false;
                        n->kind = CFG_FMT_VAR;
                        n->var = (enum cfg_log_var)var;
                        n->flags = flags;
                        f.constant = false;
                        if (var == CFG_LV_fi || var == CFG_LV_fp)
                                f.fe_addr = true;
                        if (var == CFG_LV_bi || var == CFG_LV_bp)
                                f.be_addr = true;
                        lit = s;
                }
        }
        if (!fmt_lit(p, &f, lit, (size_t)(end - lit)))
                return false;
        *ret = f;
        return true;
}
