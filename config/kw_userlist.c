/* userlist sections (HAProxy's manual, section 3.4): users with a crypt(3) hash or a plain
 * password, groups, and who belongs to which. Called by the parser (parse.c) for each line
 * of such a section, and once at the end of the load to resolve the group references. */
#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "parse-int.h"

void cfg__userlist_open(struct cfg_parser *p)
{
        struct cfg_gen *g = p->gen;
        struct cfg_userlist *ul, **slot;
        const char *name = cfg__word(p, 1);

        p->ul = NULL;
        p->px = NULL;
        p->sec = CFG_SEC_SKIP;
        if (!cfg__want_args(p, 1, 1, "userlist <name>"))
                return;
        if (!cfg__name_valid(name)) {
                cfg__err(p, 1,
                         "invalid character in userlist name '%s': use letters, digits, '-', "
                         "'_', '.' and ':'",
                         name);
                return;
        }
        if (cfg_gen_find_userlist(g, name)) {
                /* HAProxy ignores the second one, with a warning */
                cfg__warn(p, 1, "ignoring duplicated userlist '%s'", name);
                return;
        }
        ul = cfg_arena_alloc(&g->arena, sizeof(*ul));
        slot = cfg_arena_push(&g->arena, (void **)&g->userlists, &g->n_userlists, &g->cap_userlists,
                              sizeof(*slot));
        if (!ul || !slot || !(ul->name = cfg__dup(p, 1))) {
                cfg__oom(p);
                return;
        }
        ul->where = (struct cfg_where){p->file, p->l->line};
        *slot = ul;
        p->ul = ul;
        p->sec = CFG_SEC_USERLIST;
}

static void ul_group(struct cfg_parser *p)
{
        struct cfg_userlist *ul = p->ul;
        const char *name = cfg__word(p, 1), *users = NULL, **uslot;
        unsigned n = cfg__n_words(p);
        struct cfg_ul_group *gslot;

        if (n < 2 || !*name) {
                cfg__err(p, 0, "'group' expects <name> as argument");
                return;
        }
        if (!cfg__name_valid(name)) {
                cfg__err(p, 1, "invalid character in group name '%s'", name);
                return;
        }
        for (unsigned w = 2; w < n; w += 2) {
                if (strcmp(cfg__word(p, w), "users") != 0 || w + 1 >= n) {
                        cfg__err(p, w, "'group' only supports the 'users' option");
                        return;
                }
                users = cfg__dup(p, w + 1);
        }
        for (size_t i = 0; i < ul->n_groups; i++) {
                if (strcmp(ul->groups[i].name, name) == 0) {
                        cfg__warn(p, 1, "ignoring duplicated group '%s' in userlist '%s'", name,
                                  ul->name);
                        return;
                }
        }
        gslot = cfg_arena_push(&p->gen->arena, (void **)&ul->groups, &ul->n_groups, &ul->cap_groups,
                               sizeof(*gslot));
        uslot = cfg_arena_push(&p->gen->arena, (void **)&ul->group_users, &ul->n_group_users,
                               &ul->cap_group_users, sizeof(*uslot));
        if (!gslot || !uslot) {
                cfg__oom(p);
                return;
        }
        *gslot = (struct cfg_ul_group){.name = cfg__dup(p, 1), .where = {p->file, p->l->line}};
        *uslot = users;
}

/* Does crypt(3) know the method of @hash? HAProxy asks it to hash an empty password. */
static bool hash_supported(const char *hash)
{
        struct crypt_data *cd = calloc(1, sizeof(*cd));
        const char *r;
        bool ok;

        if (!cd)
                return true; /* cannot tell: the worker's check will say */
        r = crypt_r("", hash, cd);
        ok = r && r[0] != '*';
        free(cd);
        return ok;
}

static void ul_user(struct cfg_parser *p)
{
        struct cfg_userlist *ul = p->ul;
        const char *name = cfg__word(p, 1);
        unsigned n = cfg__n_words(p);
        struct cfg_ul_user u = {.where = {p->file, p->l->line}}, *slot;

        if (n < 2 || !*name) {
                cfg__err(p, 0, "'user' expects <name> as argument");
                return;
        }
        for (unsigned w = 2; w < n; w += 2) {
                const char *kw = cfg__word(p, w);

                if (w + 1 >= n ||
                    (strcmp(kw, "password") != 0 && strcmp(kw, "insecure-password") != 0 &&
                     strcmp(kw, "groups") != 0)) {
                        cfg__err(p, w,
                                 "'user' only supports the 'password', 'insecure-password' "
                                 "and 'groups' options");
                        return;
                }
                if (strcmp(kw, "groups") == 0) {
                        u.groups_arg = cfg__dup(p, w + 1);
                        continue;
                }
                if (kw[0] == 'p' && !hash_supported(cfg__word(p, w + 1))) {
                        cfg__err(p, w + 1,
                                 "the encrypted password used for user '%s' is not supported "
                                 "by crypt(3)",
                                 name);
                        return;
                }
                u.password = cfg__dup(p, w + 1);
                u.insecure = kw[0] == 'i';
        }
        for (size_t i = 0; i < ul->n_users; i++) {
                if (strcmp(ul->users[i].name, name) == 0) {
                        cfg__warn(p, 1, "ignoring duplicated user '%s' in userlist '%s'", name,
                                  ul->name);
                        return;
                }
        }
        u.name = cfg__dup(p, 1);
        slot = cfg_arena_push(&p->gen->arena, (void **)&ul->users, &ul->n_users, &ul->cap_users,
                              sizeof(*slot));
        if (!slot || !u.name) {
                cfg__oom(p);
                return;
        }
        *slot = u;
}

void cfg__userlist_line(struct cfg_parser *p)
{
        const char *kw = cfg__word(p, 0);

        if (strcmp(kw, "group") == 0)
                ul_group(p);
        else if (strcmp(kw, "user") == 0)
                ul_user(p);
        else
                cfg__err(p, 0,
                         "unknown keyword '%s' in 'userlist' section: expected 'user' or "
                         "'group'",
                         kw);
}

/* ---- the end of the load ---- */

static void ul_err(struct cfg_parser *p, const struct cfg_where *w, const char *fmt, const char *a,
                   const char *b, const char *c)
{
        cfg_diag_add(p->diags, CFG_SEV_ERROR, w->file, w->line, 0, fmt, a, b, c);
}

/* Add group @gi to user @u unless it has it. */
static void ul_link(struct cfg_parser *p, struct cfg_ul_user *u, size_t gi)
{
        size_t *slot;

        for (size_t i = 0; i < u->n_groups; i++)
                if (u->groups[i] == gi)
                        return;
        slot = cfg_arena_push(&p->gen->arena, (void **)&u->groups, &u->n_groups, &u->cap_groups,
                              sizeof(*slot));
        if (!slot) {
                cfg__oom(p);
                return;
        }
        *slot = gi;
}

/* Each name of the comma-separated @list, in turn, into @name (of @size bytes). */
static const char *list_next(const char *list, char *name, size_t size)
{
        const char *comma = strchr(list, ',');
        size_t len = comma ? (size_t)(comma - list) : strlen(list);

        len = SL_MIN(len, size - 1);
        memcpy(name, list, len);
        name[len] = '\0';
        return comma ? comma + 1 : NULL;
}

static void ul_finish(struct cfg_parser *p, struct cfg_userlist *ul)
{
        char name[256];

        for (size_t i = 0; i < ul->n_users; i++) {
                struct cfg_ul_user *u = &ul->users[i];

                for (const char *s = u->groups_arg; s;) {
                        size_t gi;

                        s = list_next(s, name, sizeof(name));
                        for (gi = 0; gi < ul->n_groups; gi++)
                                if (strcmp(ul->groups[gi].name, name) == 0)
                                        break;
                        if (gi == ul->n_groups) {
                                ul_err(p, &u->where,
                                       "userlist '%s': no such group '%s' specified in user '%s'",
                                       ul->name, name, u->name);
                                continue;
                        }
                        ul_link(p, u, gi);
                }
        }
        for (size_t gi = 0; gi < ul->n_groups; gi++) {
                for (const char *s = ul->group_users[gi]; s;) {
                        size_t ui;

                        s = list_next(s, name, sizeof(name));
                        for (ui = 0; ui < ul->n_users; ui++)
                                if (strcmp(ul->users[ui].name, name) == 0)
                                        break;
                        if (ui == ul->n_users) {
                                ul_err(p, &ul->groups[gi].where,
                                       "userlist '%s': no such user '%s' specified in group '%s'",
                                       ul->name, name, ul->groups[gi].name);
                                continue;
                        }
                        ul_link(p, &ul->users[ui], gi);
                }
        }
}

void cfg__userlists_finish(struct cfg_parser *p)
{
        for (size_t i = 0; i < p->gen->n_userlists; i++)
                ul_finish(p, p->gen->userlists[i]);
}
