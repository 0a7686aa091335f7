/* Converters and casts (see sample_conv.h), run by the sample engine (sample.c) on each
 * value a fetch gives, in the order the expression names them. */
#include "sample_conv.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "macros.h"
#include "session.h"
#include "stick.h"

/* HAProxy's read_int64(): an optional sign, then digits up to the first other byte. */
static int64_t str_leading_int(struct sl_str s)
{
        uint64_t u = 0;
        size_t i = 0;
        bool neg = false;

        if (i < s.len && (s.ptr[i] == '-' || s.ptr[i] == '+'))
                neg = s.ptr[i++] == '-';
        for (; i < s.len && s.ptr[i] >= '0' && s.ptr[i] <= '9'; i++)
                u = u * 10 + (uint64_t)(s.ptr[i] - '0');
        return neg ? (int64_t)(0 - u) : (int64_t)u;
}

static bool str_to_addr(struct sl_str s, struct cfg_smp_value *v)
{
        char tmp[INET6_ADDRSTRLEN + 1];

        if (s.len == 0 || s.len >= sizeof(tmp))
                return false;
        memcpy(tmp, s.ptr, s.len);
        tmp[s.len] = '\0';
        if (inet_pton(AF_INET, tmp, v->addr) == 1)
                v->family = AF_INET;
        else if (inet_pton(AF_INET6, tmp, v->addr) == 1)
                v->family = AF_INET6;
        else
                return false;
        v->type = CFG_SMP_IP;
        return true;
}

bool sample_cast(struct cfg_smp_value *v, enum cfg_smp_type to, char *buf, size_t size)
{
        int n;

        if (to == CFG_SMP_ANY || v->type == to)
                return true;
        switch (v->type) {
        case CFG_SMP_BOOL:
        case CFG_SMP_INT:
                switch (to) {
                case CFG_SMP_BOOL:
                        v->i = v->i != 0;
                        break;
                case CFG_SMP_INT:
                        break;
                case CFG_SMP_IP:
                        if (v->type == CFG_SMP_BOOL)
                                return false;
                        v->family = AF_INET;
                        for (unsigned k = 0; k < 4; k++)
                                v->addr[k] = (uint8_t)((uint64_t)v->i >> (24 - 8 * k));
                        break;
                case CFG_SMP_STR:
                        n = snprintf(buf, size, "%lld", (long long)v->i);
                        if (n < 0 || (size_t)n >= size)
                                return false;
                        v->str = sl_str_make(buf, (size_t)n);
                        break;
                case CFG_SMP_BIN:
                        if (size < 8)
                                return false;
                        for (unsigned k = 0; k < 8; k++)
                                buf[k] = (char)((uint64_t)v->i >> (56 - 8 * k));
                        v->str = sl_str_make(buf, 8);
                        break;
                case CFG_SMP_ANY:
                        break;
                }
                break;
        case CFG_SMP_IP:
                switch (to) {
                case CFG_SMP_INT:
                        if (v->family != AF_INET)
                                return false;
                        v->i = (int64_t)((uint32_t)v->addr[0] << 24 | (uint32_t)v->addr[1] << 16 |
                                         (uint32_t)v->addr[2] << 8 | v->addr[3]);
                        break;
                case CFG_SMP_STR:
                        if (size < INET6_ADDRSTRLEN || !inet_ntop(v->family, v->addr, buf, size))
                                return false;
                        v->str = sl_str_make(buf, strlen(buf));
                        break;
                case CFG_SMP_BIN: {
                        size_t len = v->family == AF_INET ? 4 : 16;

                        if (size < len)
                                return false;
                        memcpy(buf, v->addr, len);
                        v->str = sl_str_make(buf, len);
                        break;
                }
                default:
                        return false;
                }
                break;
        case CFG_SMP_STR:
        case CFG_SMP_BIN:
                switch (to) {
                case CFG_SMP_BOOL:
                case CFG_SMP_INT:
                        if (v->str.len == 0)
                                return false;
                        v->i = str_leading_int(v->str);
                        if (to == CFG_SMP_BOOL)
                                v->i = v->i != 0;
                        break;
                case CFG_SMP_IP:
                        if (!str_to_addr(v->str, v))
                                return false;
                        break;
                case CFG_SMP_STR: {
                        /* binary to text: up to its first NUL */
                        const char *nul = memchr(v->str.ptr, '\0', v->str.len);

                        if (nul)
                                v->str.len = (size_t)(nul - v->str.ptr);
                        break;
                }
                case CFG_SMP_BIN:
                case CFG_SMP_ANY:
                        break;
                }
                break;
        case CFG_SMP_ANY:
                break;
        }
        v->type = to;
        return true;
}

static bool conv_case(struct cfg_smp_value *v, bool upper, char *out, size_t size)
{
        if (v->str.len > size)
                return false;
        for (size_t i = 0; i < v->str.len; i++) {
                char c = v->str.ptr[i];

                if (upper && c >= 'a' && c <= 'z')
                        c = (char)(c & ~0x20);
                else if (!upper && c >= 'A' && c <= 'Z')
                        c = (char)(c | 0x20);
                out[i] = c;
        }
        v->str = sl_str_make(out, v->str.len);
        return true;
}

bool sample_conv(const struct smp_ctx *c, const struct cfg_conv_call *call,
                 struct cfg_smp_value *v, char *out, size_t size)
{
        switch (call->conv) {
        case CFG_CONV_LOWER:
        case CFG_CONV_UPPER:
                return conv_case(v, call->conv == CFG_CONV_UPPER, out, size);
        case CFG_CONV_TABLE:
                return stick_table_conv(c->ss->w, call, v, v);
        case CFG_CONV_COUNT:
                break;
        }
        return false;
}
