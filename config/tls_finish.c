/* The end of the load for TLS (parse-int.h, called by finish.c): every bind with "ssl" and every
 * server with "ssl" gets the ssl-default-* settings it does not give itself, crt-list lines
 * the settings of their bind line they do not give, no-tlsv1x and ecdhe folded in, as HAProxy
 * 2.6 settles them when it makes its contexts; and the checks HAProxy makes of such lines
 * (no certificate, verify without a CA file, no version left), at their lines. */
#include <stdio.h>

#include "parse-int.h"

/* Settings of @o not given take those of @d (ssl-default-*: HAProxy applies them at "ssl"). */
static void opts_default(struct cfg_tls_opts *o, const struct cfg_tls_opts *d)
{
        if (!o->ciphers)
                o->ciphers = d->ciphers;
        if (!o->ciphersuites)
                o->ciphersuites = d->ciphersuites;
        if (!o->curves)
                o->curves = d->curves;
        if (!o->sigalgs)
                o->sigalgs = d->sigalgs;
        if (!o->min_ver)
                o->min_ver = d->min_ver;
        if (!o->max_ver)
                o->max_ver = d->max_ver;
        o->no_vers |= d->no_vers;
        o->no_tls_tickets = o->no_tls_tickets || d->no_tls_tickets;
        o->prefer_client_ciphers = o->prefer_client_ciphers || d->prefer_client_ciphers;
}

/* A crt-list line's options: what it does not set is the bind's (HAProxy reads the line's
 * setting, else the bind line's, for each). */
static void opts_inherit(struct cfg_tls_opts *o, const struct cfg_tls_opts *b)
{
        if (!o->ciphers)
                o->ciphers = b->ciphers;
        if (!o->ciphersuites)
                o->ciphersuites = b->ciphersuites;
        if (!o->curves)
                o->curves = b->curves;
        if (!o->ecdhe)
                o->ecdhe = b->ecdhe;
        if (!o->sigalgs)
                o->sigalgs = b->sigalgs;
        if (!o->min_ver)
                o->min_ver = b->min_ver;
        if (!o->max_ver)
                o->max_ver = b->max_ver;
        if (!o->alpn)
                o->alpn = b->alpn;
        if (!o->verify)
                o->verify = b->verify;
        if (!o->ca_file)
                o->ca_file = b->ca_file;
        if (!o->crl_file)
                o->crl_file = b->crl_file;
        o->no_tls_tickets = b->no_tls_tickets;
        o->prefer_client_ciphers = b->prefer_client_ciphers;
}

/* "ecdhe" names the curve when no list does. */
static void ecdhe_fold(struct cfg_tls_opts *o)
{
        if (!o->curves)
                o->curves = o->ecdhe;
        o->ecdhe = NULL;
}

/* Folds no-sslv3/no-tlsv1x and the versions set into one range, as HAProxy 2.6 does when it
 * makes a context (ssl_sock.c): the no-* words count only when neither ssl-min-ver nor
 * ssl-max-ver (nor force-*) is given, a bind's minimum is TLSv1.2 when none is set, and the
 * range runs from the lowest version left to the highest. @what names the bind or server in
 * warnings ("frontend 'f'"). Returns false when no version is left (reported). */
static bool vers_fold(struct cfg_parser *p, struct cfg_tls_opts *o, bool bind, const char *what,
                      const struct cfg_where *w)
{
        unsigned flags = o->no_vers, lo = 0, hi = 0, hole = 0;
        unsigned min = o->min_ver, max = o->max_ver;
        const char *side = bind ? "bind" : "server";

        o->no_vers = 0;
        if (flags && (min || max)) {
                cfg_diag_add(p->diags, CFG_SEV_WARNING, w->file, w->line, 0,
                             "%s: no-sslv3/no-tlsv1x are ignored for this %s. Use only "
                             "'ssl-min-ver' and 'ssl-max-ver' to fix.",
                             what, side);
                flags = 0;
        }
        if (!flags && !min && !max && !bind)
                return true;
        if (!min && bind) {
                if (!max || max >= CFG_TLS_VER_TLS12) {
                        min = CFG_TLS_VER_TLS12;
                } else {
                        cfg_diag_add(p->diags, CFG_SEV_WARNING, w->file, w->line, 0,
                                     "%s: the ssl-min-ver value is not configured and the "
                                     "ssl-max-ver value is lower than the default ssl-min-ver "
                                     "value (TLSv1.2). Setting the ssl-min-ver to %s. Use "
                                     "'ssl-min-ver' to fix this.",
                                     what, cfg_tls_ver_name(max));
                        min = max;
                }
        }
        for (unsigned v = CFG_TLS_VER_SSL3; v <= CFG_TLS_VER_TLS13; v++) {
                bool off = (flags & (1u << v)) || (min && v < min) || (max && v > max);

                if (off) {
                        if (lo)
                                hole = v;
                        continue;
                }
                if (lo && hole)
                        cfg_diag_add(p->diags, CFG_SEV_WARNING, w->file, w->line, 0,
                                     "%s: SSL/TLS versions range not contiguous for this %s. "
                                     "Hole find for %s. Use only 'ssl-min-ver' and "
                                     "'ssl-max-ver' to fix.",
                                     what, side, cfg_tls_ver_name(hole));
                hole = 0;
                if (!lo)
                        lo = v;
                hi = v;
        }
        if (!lo) {
                cfg_diag_add(p->diags, CFG_SEV_ERROR, w->file, w->line, 0,
                             "%s: all SSL/TLS versions are disabled for this %s", what, side);
                return false;
        }
        /* what OpenSSL's own bounds give anyway stays unset (a server's lowest, TLSv1.3 at
         * the top), so that the dump shows what was asked for */
        o->min_ver = (uint8_t)(bind || min || lo > CFG_TLS_VER_SSL3 ? lo : 0);
        o->max_ver = (uint8_t)(max || hi < CFG_TLS_VER_TLS13 ? hi : 0);
        return true;
}

static bool verify_on(const struct cfg_tls_opts *o)
{
        return o->verify == CFG_TLS_VERIFY_OPTIONAL || o->verify == CFG_TLS_VERIFY_REQUIRED;
}

/* @what names the bind's section in messages ("frontend 'f'", "peers section 'p'") */
static void bind_finish(struct cfg_parser *p, const char *what, struct cfg_bind *b)
{
        const struct cfg_tls_global *tg = &p->gen->global.tls;
        const struct cfg_where *w = &b->where;

        if (!b->tls.ssl) {
                /* HAProxy keeps such certificates unused, silently */
                if (b->tls.n_certs)
                        cfg_diag_add(p->diags, CFG_SEV_WARNING, w->file, w->line, 0,
                                     "bind: 'crt' without 'ssl': this address does not use "
                                     "TLS");
                return;
        }
        if (b->tls.n_certs == 0)
                cfg_diag_add(p->diags, CFG_SEV_ERROR, w->file, w->line, 0,
                             "%s: no SSL certificate specified for this bind (use 'crt')", what);
        opts_default(&b->tls.opts, &tg->bind_dflt);
        vers_fold(p, &b->tls.opts, true, what, w);
        if (verify_on(&b->tls.opts) && !b->tls.opts.ca_file)
                cfg_diag_add(p->diags, CFG_SEV_ERROR, w->file, w->line, 0,
                             "%s: verify is enabled but no CA file specified for this bind", what);
        for (size_t k = 0; k < b->tls.n_certs; k++) {
                struct cfg_tls_cert *c = &b->tls.certs[k];
                struct cfg_tls_opts *o = (struct cfg_tls_opts *)c->opts;

                /* the lines of one crt-list share their options when a directory expanded */
                if (!o || (k > 0 && b->tls.certs[k - 1].opts == o))
                        continue;
                opts_inherit(o, &b->tls.opts);
                ecdhe_fold(o);
                if (o->min_ver && o->max_ver && o->min_ver > o->max_ver)
                        cfg_diag_add(p->diags, CFG_SEV_ERROR, c->where.file, c->where.line, 0,
                                     "%s: all SSL/TLS versions are disabled for this "
                                     "crt-list line",
                                     what);
                if (verify_on(o) && !o->ca_file)
                        cfg_diag_add(p->diags, CFG_SEV_ERROR, c->where.file, c->where.line, 0,
                                     "%s: verify is enabled but no CA file specified for this "
                                     "crt-list line",
                                     what);
        }
        ecdhe_fold(&b->tls.opts);
}

/* @px: the server's backend, or NULL for a peer (@owner: its peers section's name) */
static void server_finish(struct cfg_parser *p, struct cfg_proxy *px, const char *owner,
                          struct cfg_server *s)
{
        const struct cfg_tls_global *tg = &p->gen->global.tls;
        struct cfg_server_tls *t = &s->opts.tls;
        char what[256];

        if (!t->ssl && !cfg_server_check_tls(s))
                return;
        snprintf(what, sizeof(what), "'%s %s/%s'", px ? "server" : "peer", owner, s->name);
        opts_default(&t->opts, &tg->server_dflt);
        vers_fold(p, &t->opts, false, what, &s->where);
        if (t->sni.src && px)
                cfg__sample_finish(p, px, &t->sni, &s->where);
        if (t->opts.ca_file || t->opts.verify == CFG_TLS_VERIFY_NONE ||
            (t->opts.verify == CFG_TLS_VERIFY_UNSET && tg->server_verify_none))
                return;
        if (tg->server_verify_none)
                cfg_diag_add(p->diags, CFG_SEV_ERROR, s->where.file, s->where.line, 0,
                             "%s : verify is enabled but no CA file specified.", what);
        else
                cfg_diag_add(p->diags, CFG_SEV_ERROR, s->where.file, s->where.line, 0,
                             "%s : verify is enabled by default but no CA file specified. If "
                             "you're running on a LAN where you're certain to trust the "
                             "server's certificate, please set an explicit 'verify none' "
                             "statement on the 'server' line, or use 'ssl-server-verify none' "
                             "in the global section to disable server-side verifications by "
                             "default.",
                             what);
}

void cfg__tls_finish(struct cfg_parser *p)
{
        struct cfg_gen *g = p->gen;

        for (size_t i = 0; i < g->n_proxies; i++) {
                struct cfg_proxy *px = g->proxies[i];
                char what[256];

                snprintf(what, sizeof(what), "%s '%s'", cfg__proxy_kind(px), px->name);
                for (size_t j = 0; j < px->n_binds; j++)
                        bind_finish(p, what, &px->binds[j]);
                for (size_t j = 0; j < px->n_servers; j++)
                        server_finish(p, px, px->name, &px->servers[j]);
        }
        for (size_t i = 0; i < g->n_peers; i++) {
                struct cfg_peers *ps = g->peers[i];
                char what[256];

                snprintf(what, sizeof(what), "peers section '%s'", ps->name);
                for (size_t j = 0; j < ps->n_binds; j++)
                        bind_finish(p, what, &ps->binds[j]);
                for (size_t j = 0; j < ps->n_peers; j++)
                        server_finish(p, NULL, ps->name, &ps->peers[j].srv);
        }
}
