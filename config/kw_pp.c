/* The PROXY protocol server options (send-proxy, send-proxy-v2, send-proxy-v2-ssl,
 * send-proxy-v2-ssl-cn, their "no-" forms and proxy-v2-options), as HAProxy 2.6 reads them. */
#include <string.h>

#include "macros.h"
#include "parse-int.h"

static const struct {
        const char *name;
        uint32_t flags;
} pp_kws[] = {
        {"send-proxy", CFG_PP_V1},
        {"send-proxy-v2", CFG_PP_V2},
        {"send-proxy-v2-ssl", CFG_PP_V2 | CFG_PP_V2_SSL},
        {"send-proxy-v2-ssl-cn", CFG_PP_V2 | CFG_PP_V2_SSL | CFG_PP_V2_SSL_CN},
};

static const struct {
        const char *name;
        uint32_t flags;
} v2_opts[] = {
        {"ssl", CFG_PP_V2_SSL},
        {"cert-cn", CFG_PP_V2_SSL | CFG_PP_V2_SSL_CN},
        {"cert-key", CFG_PP_V2_SSL | CFG_PP_V2_SSL_KEY_ALG},
        {"cert-sig", CFG_PP_V2_SSL | CFG_PP_V2_SSL_SIG_ALG},
        {"ssl-cipher", CFG_PP_V2_SSL | CFG_PP_V2_SSL_CIPHER},
        {"authority", CFG_PP_V2_AUTHORITY},
        {"crc32c", CFG_PP_V2_CRC32C},
        {"unique-id", CFG_PP_V2_UNIQUE_ID},
};

/* proxy-v2-options <opt>[,<opt>...] */
static int v2_options(struct cfg_parser *p, unsigned w, struct cfg_server_opts *o)
{
        const char *list = w + 1 < cfg__n_words(p) ? cfg__word(p, w + 1) : "";
        uint32_t flags = 0;

        if (!*list) {
                cfg__err(p, w,
                         "proxy-v2-options needs a list: ssl, cert-cn, cert-key, cert-sig, "
                         "ssl-cipher, authority, crc32c, unique-id");
                return -1;
        }
        for (const char *s = list;;) {
                const char *e = strchr(s, ',');
                size_t len = e ? (size_t)(e - s) : strlen(s);
                size_t i;

                for (i = 0; i < SL_ARRAY_SIZE(v2_opts); i++)
                        if (strlen(v2_opts[i].name) == len && memcmp(v2_opts[i].name, s, len) == 0)
                                break;
                if (i == SL_ARRAY_SIZE(v2_opts)) {
                        cfg__err(p, w + 1,
                                 "proxy-v2-options: unknown option '%.*s': expected ssl, "
                                 "cert-cn, cert-key, cert-sig, ssl-cipher, authority, crc32c or "
                                 "unique-id",
                                 (int)len, s);
                        return -1;
                }
                flags |= v2_opts[i].flags;
                if (!e)
                        break;
                s = e + 1;
        }
        o->pp |= flags;
        return 2;
}

int cfg__server_pp_kw(struct cfg_parser *p, unsigned w, struct cfg_server_opts *o)
{
        const char *kw = cfg__word(p, w);
        bool no = strncmp(kw, "no-", 3) == 0;

        if (strcmp(kw, "proxy-v2-options") == 0)
                return v2_options(p, w, o);
        for (size_t i = 0; i < SL_ARRAY_SIZE(pp_kws); i++) {
                if (strcmp(kw + (no ? 3 : 0), pp_kws[i].name) != 0)
                        continue;
                /* as HAProxy: "no-" clears what its keyword sets (and proxy-v2-options'
                 * other TLVs stay for a later send-proxy-v2) */
                if (no)
                        o->pp &= ~pp_kws[i].flags;
                else
                        o->pp |= pp_kws[i].flags;
                return 1;
        }
        return 0;
}
