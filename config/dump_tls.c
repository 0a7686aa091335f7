/* --dump-config of the TLS settings (dump-int.h): bind and server options and the ssl-*
 * globals, as settled at the end of the load. crt-base and ca-base are not printed: every
 * path is already joined to them. */
#include "dump-int.h"
#include "parse-int.h"

static void word_opt(FILE *out, const char *kw, const char *v)
{
        if (!v)
                return;
        fprintf(out, " %s ", kw);
        cfg__dump_word(out, v);
}

static void dump_opts(FILE *out, const struct cfg_tls_opts *o)
{
        static const char *const verify[] = {"", "none", "optional", "required"};

        word_opt(out, "ciphers", o->ciphers);
        word_opt(out, "ciphersuites", o->ciphersuites);
        word_opt(out, "curves", o->curves);
        word_opt(out, "sigalgs", o->sigalgs);
        word_opt(out, "alpn", o->alpn);
        if (o->min_ver)
                fprintf(out, " ssl-min-ver %s", cfg_tls_ver_name(o->min_ver));
        if (o->max_ver)
                fprintf(out, " ssl-max-ver %s", cfg_tls_ver_name(o->max_ver));
        if (o->verify)
                fprintf(out, " verify %s", verify[o->verify]);
        word_opt(out, "ca-file", o->ca_file);
        word_opt(out, "crl-file", o->crl_file);
        if (o->no_tls_tickets)
                fputs(" no-tls-tickets", out);
        if (o->prefer_client_ciphers)
                fputs(" prefer-client-ciphers", out);
}

void cfg__dump_bind_tls(FILE *out, const struct cfg_bind_tls *t)
{
        const char *list = NULL;

        if (!t->ssl && t->n_certs == 0)
                return;
        if (t->ssl)
                fputs(" ssl", out);
        for (size_t i = 0; i < t->n_certs; i++) {
                const struct cfg_tls_cert *c = &t->certs[i];

                if (c->list) {
                        /* the lines of one crt-list file, read again from it */
                        if (c->list != list)
                                word_opt(out, "crt-list", c->list);
                        list = c->list;
                        continue;
                }
                list = NULL;
                word_opt(out, "crt", c->path);
        }
        if (t->strict_sni)
                fputs(" strict-sni", out);
        word_opt(out, "tls-ticket-keys", t->ticket_keys);
        dump_opts(out, &t->opts);
}

void cfg__dump_server_tls(FILE *out, const struct cfg_server_tls *t,
                          const struct cfg_server_tls *dflt, bool check_tls)
{
        /* what the server line turns off of its default-server's is said, as the line would
         * inherit it otherwise */
        if (!t->ssl) {
                if (dflt && dflt->ssl)
                        fputs(" no-ssl", out);
                /* check-ssl alone: its checks use the TLS settings */
                if (!check_tls)
                        return;
        } else {
                fputs(" ssl", out);
        }
        dump_opts(out, &t->opts);
        if (!t->opts.no_tls_tickets && dflt && dflt->opts.no_tls_tickets)
                fputs(" tls-tickets", out);
        if (t->sni.src) {
                fputs(" sni ", out);
                cfg__dump_sample(out, &t->sni);
        }
        word_opt(out, "verifyhost", t->verifyhost);
        if (t->no_verifyhost)
                fputs(" no-verifyhost", out);
        word_opt(out, "crt", t->crt);
        if (t->no_ssl_reuse)
                fputs(" no-ssl-reuse", out);
        else if (dflt && dflt->no_ssl_reuse)
                fputs(" ssl-reuse", out);
}

/* ssl-default-*-options words of @o, and its lists as their own keywords. */
static void dump_defaults(FILE *out, const char *side, const struct cfg_tls_opts *o)
{
        const struct {
                const char *name;
                const char *v;
        } lists[] = {{"ciphers", o->ciphers},
                     {"ciphersuites", o->ciphersuites},
                     {"curves", o->curves},
                     {"sigalgs", o->sigalgs}};

        for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
                if (!lists[i].v)
                        continue;
                fprintf(out, "    ssl-default-%s-%s ", side, lists[i].name);
                cfg__dump_word(out, lists[i].v);
                fputc('\n', out);
        }
        /* no-sslv3 / no-tlsv1x are not printed: every bind and server with ssl has them folded
         * into its own range already */
        if (o->min_ver || o->max_ver || o->no_tls_tickets || o->prefer_client_ciphers) {
                fprintf(out, "    ssl-default-%s-options", side);
                if (o->min_ver)
                        fprintf(out, " ssl-min-ver %s", cfg_tls_ver_name(o->min_ver));
                if (o->max_ver)
                        fprintf(out, " ssl-max-ver %s", cfg_tls_ver_name(o->max_ver));
                if (o->no_tls_tickets)
                        fputs(" no-tls-tickets", out);
                if (o->prefer_client_ciphers)
                        fputs(" prefer-client-ciphers", out);
                fputc('\n', out);
        }
}

void cfg__dump_global_tls(FILE *out, const struct cfg_tls_global *g)
{
        dump_defaults(out, "bind", &g->bind_dflt);
        dump_defaults(out, "server", &g->server_dflt);
        if (g->dh_param_file) {
                fputs("    ssl-dh-param-file ", out);
                cfg__dump_word(out, g->dh_param_file);
                fputc('\n', out);
        }
        if (g->default_dh_param)
                fprintf(out, "    tune.ssl.default-dh-param %u\n", g->default_dh_param);
        if (g->cachesize_set)
                fprintf(out, "    tune.ssl.cachesize %u\n", g->cachesize);
        if (g->lifetime_s)
                fprintf(out, "    tune.ssl.lifetime %us\n", g->lifetime_s);
        if (g->maxsslconn)
                fprintf(out, "    maxsslconn %u\n", g->maxsslconn);
        if (g->maxsslrate)
                fprintf(out, "    maxsslrate %u\n", g->maxsslrate);
        if (g->server_verify_none)
                fputs("    ssl-server-verify none\n", out);
}
