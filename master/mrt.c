/* Runtime settings of the current generation (mrt.h). */
#include "mrt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "list.h"
#include "master-t.h"
#include "mfan.h"
#include "model.h"
#include "mstats.h"

struct mrt_fe {
        char *name; /* owned */
        bool disabled;
        bool maxconn_set;
        unsigned maxconn;
};

struct mrt {
        unsigned gen;     /* the generation they belong to */
        unsigned maxconn; /* 0: the configuration's */
        /* "set rate-limit connections|ssl-sessions global" (valid when *_set) */
        bool connrate_set, sslrate_set;
        unsigned connrate, sslrate;
        struct mrt_fe *fe; /* owned array */
        size_t n_fe;
};

/* The settings of the current generation; those of an older one are forgotten */
static struct mrt *rt_of(struct master *m)
{
        if (!m->rt) {
                m->rt = calloc(1, sizeof(*m->rt));
                if (!m->rt)
                        return NULL;
                m->rt->gen = m->gen_no;
        }
        if (m->rt->gen != m->gen_no) {
                for (size_t i = 0; i < m->rt->n_fe; i++)
                        free(m->rt->fe[i].name);
                free(m->rt->fe);
                *m->rt = (struct mrt){.gen = m->gen_no};
        }
        return m->rt;
}

static struct mrt_fe *fe_of(struct master *m, const struct cfg_proxy *fe, bool make)
{
        struct mrt *rt = rt_of(m);
        struct mrt_fe *v;

        if (!rt)
                return NULL;
        for (size_t i = 0; i < rt->n_fe; i++)
                if (strcmp(rt->fe[i].name, fe->name) == 0)
                        return &rt->fe[i];
        if (!make)
                return NULL;
        v = realloc(rt->fe, (rt->n_fe + 1) * sizeof(*v));
        if (!v)
                return NULL;
        rt->fe = v;
        v = &rt->fe[rt->n_fe];
        *v = (struct mrt_fe){.name = strdup(fe->name)};
        if (!v->name)
                return NULL;
        rt->n_fe++;
        return v;
}

struct sent {
        struct mfan *f;
};

static void sent_done(void *arg)
{
        struct sent *s = arg;

        mfan_free(s->f);
        free(s);
}

void mrt_send(struct master *m, struct mworker *mw, const char *cmd, bool current)
{
        struct sent *s = calloc(1, sizeof(*s));

        if (!s)
                return;
        s->f = mfan_start(m, cmd, mw ? mw->pid : 0, current, sent_done, s);
        if (!s->f)
                free(s);
}

bool mrt_frontend_enable(struct master *m, const struct cfg_proxy *fe, bool on)
{
        struct mrt_fe *v = fe_of(m, fe, !on);
        char cmd[512];

        if (on ? !v || !v->disabled : v && v->disabled)
                return false;
        if (v)
                v->disabled = !on;
        snprintf(cmd, sizeof(cmd), "%s frontend %s", on ? "enable" : "disable", fe->name);
        mrt_send(m, NULL, cmd, true);
        return true;
}

bool mrt_frontend_disabled(struct master *m, const struct cfg_proxy *fe)
{
        struct mrt_fe *v = fe_of(m, fe, false);

        return v && v->disabled;
}

void mrt_frontend_maxconn(struct master *m, const struct cfg_proxy *fe, unsigned v)
{
        struct mrt_fe *f = fe_of(m, fe, true);
        char cmd[512];

        if (f) {
                f->maxconn_set = true;
                f->maxconn = v;
        }
        snprintf(cmd, sizeof(cmd), "set maxconn frontend %s %u", fe->name, v);
        mrt_send(m, NULL, cmd, true);
}

unsigned mrt_fe_maxconn(struct master *m, const struct cfg_proxy *fe)
{
        struct mrt_fe *v = fe_of(m, fe, false);

        return v && v->maxconn_set ? v->maxconn : fe->maxconn;
}

/* One worker's share of @v, as the master shares out the configuration's limit */
static unsigned share(const struct master *m, unsigned v)
{
        return (v + m->n_slots - 1) / m->n_slots;
}

void mrt_global_maxconn(struct master *m, unsigned v)
{
        struct mrt *rt = rt_of(m);
        char cmd[64];

        if (rt)
                rt->maxconn = v;
        snprintf(cmd, sizeof(cmd), "set maxconn global %u", share(m, v));
        mrt_send(m, NULL, cmd, true);
}

unsigned mrt_maxconn(struct master *m)
{
        struct mrt *rt = rt_of(m);

        return rt && rt->maxconn ? rt->maxconn : mstats_maxconn(m);
}

void mrt_rate_limit(struct master *m, bool ssl, unsigned v)
{
        struct mrt *rt = rt_of(m);
        char cmd[96];

        if (rt && ssl) {
                rt->sslrate_set = true;
                rt->sslrate = v;
        } else if (rt) {
                rt->connrate_set = true;
                rt->connrate = v;
        }
        snprintf(cmd, sizeof(cmd), "set rate-limit %s global %u",
                 ssl ? "ssl-sessions" : "connections", share(m, v));
        mrt_send(m, NULL, cmd, true);
}

unsigned mrt_rate(struct master *m, bool ssl)
{
        struct mrt *rt = rt_of(m);

        if (rt && ssl && rt->sslrate_set)
                return rt->sslrate;
        if (rt && !ssl && rt->connrate_set)
                return rt->connrate;
        return ssl ? m->gen->global.tls.maxsslrate : m->gen->global.maxconnrate;
}

size_t mrt_commands(struct master *m, char ***ret)
{
        struct mrt *rt = m->rt;
        char **v;
        size_t n = 0;

        *ret = NULL;
        if (!rt || rt->gen != m->gen_no)
                return 0;
        v = calloc(2 * rt->n_fe + 3, sizeof(*v));
        if (!v)
                return 0;
        if (rt->connrate_set &&
            asprintf(&v[n], "set rate-limit connections global %u", share(m, rt->connrate)) > 0)
                n++;
        if (rt->sslrate_set &&
            asprintf(&v[n], "set rate-limit ssl-sessions global %u", share(m, rt->sslrate)) > 0)
                n++;
        if (rt->maxconn && asprintf(&v[n], "set maxconn global %u", share(m, rt->maxconn)) > 0)
                n++;
        for (size_t i = 0; i < rt->n_fe; i++) {
                if (rt->fe[i].disabled &&
                    asprintf(&v[n], "disable frontend %s", rt->fe[i].name) > 0)
                        n++;
                if (rt->fe[i].maxconn_set && asprintf(&v[n], "set maxconn frontend %s %u",
                                                      rt->fe[i].name, rt->fe[i].maxconn) > 0)
                        n++;
        }
        *ret = v;
        return n;
}

void mrt_free(struct master *m)
{
        if (!m->rt)
                return;
        for (size_t i = 0; i < m->rt->n_fe; i++)
                free(m->rt->fe[i].name);
        free(m->rt->fe);
        free(m->rt);
        m->rt = NULL;
}
