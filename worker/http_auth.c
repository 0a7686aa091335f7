/* HTTP Basic authentication against userlists (see http_auth.h). Called by sample fetches
 * (http_auth, http_auth_group); reads only the request and the configuration. */
#include "http_auth.h"

#include <crypt.h>
#include <errno.h>
#include <string.h>

#include "http.h"
#include "macros.h"

static int b64val(char c)
{
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -1;
}

int http_auth_b64dec(struct sl_str in, char *out, size_t size)
{
        size_t o = 0;

        if (in.len % 4)
                return -1;
        for (size_t i = 0; i < in.len; i += 4) {
                int v[4], pad = 0;
                unsigned long q;

                for (int k = 0; k < 4; k++) {
                        char c = in.ptr[i + k];

                        /* '=' only at the end, at most two */
                        if (c == '=' && i + 4 == in.len && k >= 2) {
                                pad++;
                                v[k] = 0;
                                continue;
                        }
                        if (pad || (v[k] = b64val(c)) < 0)
                                return -1;
                }
                q = (unsigned long)v[0] << 18 | (unsigned long)v[1] << 12 |
                    (unsigned long)v[2] << 6 | (unsigned long)v[3];
                if (o + 3 - (size_t)pad > size)
                        return -1;
                out[o++] = (char)(q >> 16);
                if (pad < 2)
                        out[o++] = (char)(q >> 8);
                if (pad < 1)
                        out[o++] = (char)q;
        }
        return (int)o;
}

/* Is @pass the password of @u? */
static bool password_ok(const struct cfg_ul_user *u, const char *pass)
{
        static struct crypt_data cd;
        const char *h;

        if (!u->password)
                return false;
        if (u->insecure)
                return strcmp(pass, u->password) == 0;
        memset(&cd, 0, sizeof(cd));
        h = crypt_r(pass, u->password, &cd);
        return h && h[0] != '*' && strcmp(h, u->password) == 0;
}

int http_auth_check(const struct cfg_userlist *ul, const struct http_msg *req,
                    const struct cfg_ul_user **ret_user)
{
        int i = http_hdr_find(req, 0, SL_STR_LIT("authorization"));
        struct sl_str v, cred;
        char dec[1024];
        const char *sp, *colon;
        int n;

        if (!ul || i < 0)
                return -ENOENT;
        v = req->hdrs[i].value;
        sp = memchr(v.ptr, ' ', v.len);
        if (!sp || !sl_str_ieq(sl_str_make(v.ptr, (size_t)(sp - v.ptr)), SL_STR_LIT("basic")))
                return -ENOENT;
        cred = sl_str_make(sp + 1, (size_t)(v.ptr + v.len - sp - 1));
        while (cred.len && cred.ptr[0] == ' ') {
                cred.ptr++;
                cred.len--;
        }
        n = http_auth_b64dec(cred, dec, sizeof(dec) - 1);
        if (n < 0)
                return -ENOENT;
        dec[n] = '\0';
        colon = memchr(dec, ':', (size_t)n);
        if (!colon || memchr(dec, '\0', (size_t)n))
                return -ENOENT;
        for (size_t k = 0; k < ul->n_users; k++) {
                const struct cfg_ul_user *u = &ul->users[k];

                if (strlen(u->name) == (size_t)(colon - dec) &&
                    memcmp(u->name, dec, (size_t)(colon - dec)) == 0) {
                        if (!password_ok(u, colon + 1))
                                return 0;
                        *ret_user = u;
                        return 1;
                }
        }
        return 0;
}

const struct cfg_ul_user *http_auth_user(const struct cfg_userlist *ul, const struct http_msg *req)
{
        const struct cfg_ul_user *u = NULL;

        return http_auth_check(ul, req, &u) == 1 ? u : NULL;
}

bool http_auth_in_group(const struct cfg_userlist *ul, const struct cfg_ul_user *u,
                        struct sl_str group)
{
        for (size_t i = 0; u && i < u->n_groups; i++)
                if (sl_str_eq(sl_str_from_cstr(ul->groups[u->groups[i]].name), group))
                        return true;
        return false;
}

bool http_auth_group_match(const struct cfg_acl_expr *e, struct sl_str user)
{
        const struct cfg_userlist *ul = e->smp.n_args ? e->smp.args[0].ref : NULL;

        for (size_t i = 0; ul && i < ul->n_users; i++) {
                if (!sl_str_eq(sl_str_from_cstr(ul->users[i].name), user))
                        continue;
                for (size_t k = 0; k < e->n_pats; k++)
                        if (http_auth_in_group(ul, &ul->users[i], e->pats[k].str))
                                return true;
                return false;
        }
        return false;
}
