/* The runtime API's stick-table commands: key text, filters and dump lines in HAProxy's format
 * ("show table", "clear table", "set table"). The master's runtime API calls these on tables it
 * attached; everything goes through the stktable.h interface, so they are as lock-free as it. */
#include "stktable_cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* HAProxy's order of the data types (its STKTABLE_DT_* enum), which "show table" follows. */
static const uint8_t stkt_cli__order[STKT_DT_COUNT] = {
        STKT_DT_SERVER_ID,      STKT_DT_GPT0,         STKT_DT_GPC0,          STKT_DT_GPC0_RATE,
        STKT_DT_CONN_CNT,       STKT_DT_CONN_RATE,    STKT_DT_CONN_CUR,      STKT_DT_SESS_CNT,
        STKT_DT_SESS_RATE,      STKT_DT_HTTP_REQ_CNT, STKT_DT_HTTP_REQ_RATE, STKT_DT_HTTP_ERR_CNT,
        STKT_DT_HTTP_ERR_RATE,  STKT_DT_BYTES_IN_CNT, STKT_DT_BYTES_IN_RATE, STKT_DT_BYTES_OUT_CNT,
        STKT_DT_BYTES_OUT_RATE, STKT_DT_GPC1,         STKT_DT_GPC1_RATE,     STKT_DT_HTTP_FAIL_CNT,
        STKT_DT_HTTP_FAIL_RATE,
};

static const char *const stkt_cli__op_name[] = {
        [STKT_CLI_OP_EQ] = "eq", [STKT_CLI_OP_NE] = "ne", [STKT_CLI_OP_LE] = "le",
        [STKT_CLI_OP_LT] = "lt", [STKT_CLI_OP_GE] = "ge", [STKT_CLI_OP_GT] = "gt",
};

static void stkt_cli__err(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void stkt_cli__err(char *err, size_t errlen, const char *fmt, ...)
{
        va_list ap;

        if (!err || errlen == 0)
                return;
        va_start(ap, fmt);
        (void)vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
}

static bool stkt_cli__is_rate(enum stkt_data_type type)
{
        return stkt_dt_is_rate(type);
}

const char *stkt_cli_key_type_name(enum stkt_key_type type)
{
        return stkt_key_type_name(type);
}

const char *stkt_cli_data_type_name(enum stkt_data_type type)
{
        return stkt_dt_name(type);
}

int stkt_cli_data_type_parse(const char *name)
{
        return stkt_dt_parse(name);
}

/* A whole signed decimal integer, as HAProxy's strl2llrc() accepts it. */
static int stkt_cli__parse_i64(const char *s, int64_t *ret)
{
        long long v;
        char *end;

        if (!*s)
                return -EINVAL;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno || *end || end == s)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int stkt_cli__hex(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int stkt_cli_key_parse(const struct stkt *t, const char *text, void *buf, size_t size,
                       struct stkt_key *ret_key, char *err, size_t errlen)
{
        struct stkt_def def;
        size_t len = strlen(text);
        unsigned long long u;
        uint8_t *b = buf;
        char *end;

        stkt_definition(t, &def);
        switch (def.key_type) {
        case STKT_KEY_IPV4:
                if (size < 4 || inet_pton(AF_INET, text, buf) != 1)
                        goto invalid;
                *ret_key = (struct stkt_key){buf, 4};
                return 0;
        case STKT_KEY_IPV6:
                if (size < 16 || inet_pton(AF_INET6, text, buf) != 1)
                        goto invalid;
                *ret_key = (struct stkt_key){buf, 16};
                return 0;
        case STKT_KEY_INTEGER: {
                uint64_t v;

                if (size < 8 || text[0] < '0' || text[0] > '9')
                        goto invalid;
                errno = 0;
                u = strtoull(text, &end, 10);
                if (errno || *end)
                        goto invalid;
                v = u;
                memcpy(buf, &v, sizeof(v));
                *ret_key = (struct stkt_key){buf, 8};
                return 0;
        }
        case STKT_KEY_STRING:
                /* HAProxy truncates a longer key to the table's key size */
                if (len > def.key_len)
                        len = def.key_len;
                if (len > size)
                        goto invalid;
                memcpy(buf, text, len);
                *ret_key = (struct stkt_key){buf, (uint32_t)len};
                return 0;
        case STKT_KEY_BINARY:
                if (len % 2 || len / 2 > def.key_len || len / 2 > size)
                        goto invalid;
                for (size_t i = 0; i < len / 2; i++) {
                        int hi = stkt_cli__hex(text[2 * i]), lo = stkt_cli__hex(text[2 * i + 1]);

                        if (hi < 0 || lo < 0)
                                goto invalid;
                        b[i] = (uint8_t)(hi << 4 | lo);
                }
                *ret_key = (struct stkt_key){buf, (uint32_t)(len / 2)};
                return 0;
        default:
                break;
        }
invalid:
        stkt_cli__err(err, errlen, "Invalid key");
        return -EINVAL;
}

/* HAProxy's dump_text(): printable ASCII as is, separators and controls escaped; stops at a
 * NUL like HAProxy, whose string keys are NUL terminated. */
static void stkt_cli__print_text(FILE *out, const uint8_t *p, size_t len)
{
        for (size_t i = 0; i < len && p[i]; i++) {
                unsigned char c = p[i];

                switch (c) {
                case ' ':
                case '=':
                case '\\':
                        fputc('\\', out);
                        fputc(c, out);
                        break;
                case '\t':
                        fputs("\\t", out);
                        break;
                case '\n':
                        fputs("\\n", out);
                        break;
                case '\r':
                        fputs("\\r", out);
                        break;
                case 0x1b:
                        fputs("\\e", out);
                        break;
                default:
                        if (c >= 0x20 && c < 0x7f)
                                fputc(c, out);
                        else
                                fprintf(out, "\\x%02X", c);
                }
        }
}

int stkt_cli_key_print(FILE *out, const struct stkt *t, uint32_t idx)
{
        uint8_t key[STKT_KEY_MAX];
        char addr[INET6_ADDRSTRLEN];
        struct stkt_def def;
        uint64_t v;
        int len;

        len = stkt_key_copy(t, idx, key, sizeof(key));
        if (len < 0)
                return len;
        stkt_definition(t, &def);
        switch (def.key_type) {
        case STKT_KEY_IPV4:
        case STKT_KEY_IPV6:
                if (!inet_ntop(def.key_type == STKT_KEY_IPV4 ? AF_INET : AF_INET6, key, addr,
                               sizeof(addr)))
                        return -EIO;
                fputs(addr, out);
                break;
        case STKT_KEY_INTEGER:
                memcpy(&v, key, sizeof(v));
                fprintf(out, "%" PRIu64, v);
                break;
        case STKT_KEY_STRING:
                stkt_cli__print_text(out, key, (size_t)len);
                break;
        default:
                for (int i = 0; i < len; i++)
                        fprintf(out, "%02X", key[i]);
                break;
        }
        return ferror(out) ? -EIO : 0;
}

uint32_t stkt_cli_used(const struct stkt *t)
{
        uint32_t cap = stkt_capacity(t), n = 0;

        for (uint32_t i = 0; i < cap; i++)
                n += stkt_slot_state(t, i) == STKT_ST_LIVE;
        return n;
}

int stkt_cli_show_table_header(FILE *out, const char *name, const struct stkt *t)
{
        struct stkt_def def;

        stkt_definition(t, &def);
        fprintf(out, "# table: %s, type: %s, size:%" PRIu32 ", used:%" PRIu32 "\n", name,
                stkt_cli_key_type_name(def.key_type), def.size, stkt_cli_used(t));
        return ferror(out) ? -EIO : 0;
}

int stkt_cli_show_tables(FILE *out, const char *const *names, struct stkt *const *tables, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                int r = stkt_cli_show_table_header(out, names[i], tables[i]);

                if (r < 0)
                        return r;
        }
        return 0;
}

/* "data.<type>" to a data type stored by @t in *ret_dt. Returns 0, -EINVAL or -ENOENT (not
 * stored) with HAProxy's message in @err. */
static int stkt_cli__type_word(const struct stkt *t, const char *type_word, const char *what,
                               int *ret_dt, char *err, size_t errlen)
{
        int dt;

        if (strncmp(type_word, "data.", 5) != 0) {
                stkt_cli__err(err, errlen, "\"data.<type>\" followed by %s expected", what);
                return -EINVAL;
        }
        dt = stkt_cli_data_type_parse(type_word + 5);
        if (dt < 0) {
                stkt_cli__err(err, errlen, "Unknown data type");
                return -EINVAL;
        }
        if (!(stkt_store(t) & STKT_F(dt))) {
                stkt_cli__err(err, errlen, "Data type not stored in this table");
                return -ENOENT;
        }
        *ret_dt = dt;
        return 0;
}

int stkt_cli_parse_filter(const struct stkt *t, const char *type_word, const char *op,
                          const char *value, struct stkt_cli_filter *ret, char *err, size_t errlen)
{
        int64_t v;
        int dt, r;

        r = stkt_cli__type_word(t, type_word, "an operator and a value", &dt, err, errlen);
        if (r < 0)
                return r;
        for (size_t o = 0; o < sizeof(stkt_cli__op_name) / sizeof(stkt_cli__op_name[0]); o++) {
                if (strcmp(op, stkt_cli__op_name[o]) != 0)
                        continue;
                if (stkt_cli__parse_i64(value, &v) < 0) {
                        stkt_cli__err(err, errlen,
                                      "Require a valid integer value to compare against");
                        return -EINVAL;
                }
                *ret = (struct stkt_cli_filter){(enum stkt_data_type)dt, (enum stkt_cli_op)o, v};
                return 0;
        }
        stkt_cli__err(err, errlen,
                      "Require an operator among \"eq\", \"ne\", \"le\", \"ge\", \"lt\", \"gt\"");
        return -EINVAL;
}

/* The value of @type in slot @idx, signed for server_id only; false when unreadable. */
static bool stkt_cli__value(const struct stkt *t, uint32_t idx, enum stkt_data_type type,
                            uint64_t now, uint64_t *ret)
{
        uint32_t rate;

        if (stkt_cli__is_rate(type)) {
                if (stkt_rate_read(t, idx, type, now, &rate) < 0)
                        return false;
                *ret = rate;
                return true;
        }
        return stkt_get(t, idx, type, ret) == 0;
}

/* -1, 0 or 1 as the value @v of @type compares to @ref, without wrapping either. */
static int stkt_cli__cmp(enum stkt_data_type type, uint64_t v, int64_t ref)
{
        if (type == STKT_DT_SERVER_ID) {
                int64_t s = (int64_t)v;

                return s < ref ? -1 : s > ref;
        }
        if (ref < 0)
                return 1;
        return v < (uint64_t)ref ? -1 : v > (uint64_t)ref;
}

bool stkt_cli_filters_match(const struct stkt *t, uint32_t idx, const struct stkt_cli_filter *f,
                            size_t n, uint64_t now)
{
        for (size_t i = 0; i < n; i++) {
                uint64_t v;
                int c;

                if (!stkt_cli__value(t, idx, f[i].type, now, &v))
                        return false;
                c = stkt_cli__cmp(f[i].type, v, f[i].value);
                switch (f[i].op) {
                case STKT_CLI_OP_EQ:
                        if (c != 0)
                                return false;
                        break;
                case STKT_CLI_OP_NE:
                        if (c == 0)
                                return false;
                        break;
                case STKT_CLI_OP_LE:
                        if (c > 0)
                                return false;
                        break;
                case STKT_CLI_OP_LT:
                        if (c >= 0)
                                return false;
                        break;
                case STKT_CLI_OP_GE:
                        if (c < 0)
                                return false;
                        break;
                case STKT_CLI_OP_GT:
                        if (c <= 0)
                                return false;
                        break;
                default:
                        return false;
                }
        }
        return true;
}

static bool stkt_cli__live(const struct stkt *t, uint32_t idx, uint64_t now)
{
        return stkt_slot_state(t, idx) == STKT_ST_LIVE && stkt_expire(t, idx) > now;
}

/* One dump line for @idx. -ESTALE when the entry went away meanwhile (nothing printed). */
static int stkt_cli__dump_entry(FILE *out, const struct stkt *t, const struct stkt_def *def,
                                uint32_t idx, uint64_t now)
{
        uint64_t exp = stkt_expire(t, idx);
        char *line = NULL;
        size_t line_len = 0;
        FILE *l;
        int r;

        /* built aside so that an entry removed while printing leaves no half line */
        l = open_memstream(&line, &line_len);
        if (!l)
                return -EIO;
        fprintf(l, "0x%" PRIx32 ": key=", idx);
        r = stkt_cli_key_print(l, t, idx);
        fprintf(l, " use=%" PRIu32 " exp=%" PRIu64 " shard=0", stkt_refs(t, idx),
                exp == UINT64_MAX || exp <= now ? 0 : exp - now);
        for (unsigned k = 0; k < STKT_DT_COUNT && r == 0; k++) {
                enum stkt_data_type dt = stkt_cli__order[k];
                uint64_t v;

                if (!(def->store & STKT_F(dt)) || !stkt_cli__value(t, idx, dt, now, &v))
                        continue;
                if (stkt_cli__is_rate(dt))
                        fprintf(l, " %s(%" PRIu32 ")=%" PRIu64,
                                stkt_dt_name((enum stkt_data_type)dt), def->period[dt], v);
                else if (dt == STKT_DT_SERVER_ID)
                        fprintf(l, " %s=%" PRId64, stkt_dt_name((enum stkt_data_type)dt),
                                (int64_t)v);
                else
                        fprintf(l, " %s=%" PRIu64, stkt_dt_name((enum stkt_data_type)dt), v);
        }
        fputc('\n', l);
        if (fclose(l) != 0)
                r = -EIO;
        if (r == 0 && fwrite(line, 1, line_len, out) != line_len)
                r = -EIO;
        free(line);
        return r;
}

int stkt_cli_dump(FILE *out, const char *name, struct stkt *t, const struct stkt_cli_filter *f,
                  size_t n_filters, uint64_t now)
{
        uint32_t cap = stkt_capacity(t);
        struct stkt_def def;
        int n = 0, r;

        r = stkt_cli_show_table_header(out, name, t);
        if (r < 0)
                return r;
        stkt_definition(t, &def);
        for (uint32_t i = 0; i < cap; i++) {
                if (!stkt_cli__live(t, i, now) || !stkt_cli_filters_match(t, i, f, n_filters, now))
                        continue;
                r = stkt_cli__dump_entry(out, t, &def, i, now);
                if (r == -ESTALE)
                        continue;
                if (r < 0)
                        return r;
                n++;
        }
        return ferror(out) ? -EIO : n;
}

int stkt_cli_dump_key(FILE *out, const char *name, struct stkt *t, const char *key_text,
                      uint64_t now, char *err, size_t errlen)
{
        uint8_t buf[STKT_KEY_MAX];
        struct stkt_key key;
        struct stkt_def def;
        int64_t idx;
        int r;

        r = stkt_cli_key_parse(t, key_text, buf, sizeof(buf), &key, err, errlen);
        if (r < 0)
                return r;
        r = stkt_cli_show_table_header(out, name, t);
        if (r < 0)
                return r;
        stkt_definition(t, &def);
        idx = stkt_lookup(t, &key, now);
        if (idx < 0 || !stkt_cli__live(t, (uint32_t)idx, now))
                return 0;
        r = stkt_cli__dump_entry(out, t, &def, (uint32_t)idx, now);
        return r == -ESTALE ? 0 : r < 0 ? r : 1;
}

int stkt_cli_clear(struct stkt *t, const char *key_text, const struct stkt_cli_filter *f,
                   size_t n_filters, uint64_t now, uint32_t *ret_removed, char *err, size_t errlen)
{
        uint8_t buf[STKT_KEY_MAX];
        uint32_t removed = 0, cap;
        struct stkt_key key;
        int refused = 0, r;

        if (key_text) {
                int64_t idx;

                r = stkt_cli_key_parse(t, key_text, buf, sizeof(buf), &key, err, errlen);
                if (r < 0)
                        return r;
                idx = stkt_lookup(t, &key, now);
                if (idx >= 0) {
                        r = stkt_remove(t, (uint32_t)idx);
                        if (r == 0)
                                removed++;
                        else if (r == -EBUSY) {
                                refused++;
                                stkt_cli__err(err, errlen, "Entry currently in use, cannot remove");
                        }
                }
        } else {
                cap = stkt_capacity(t);
                for (uint32_t i = 0; i < cap; i++) {
                        /* expired entries the sweeper has not reached yet go too */
                        if (stkt_slot_state(t, i) != STKT_ST_LIVE ||
                            !stkt_cli_filters_match(t, i, f, n_filters, now))
                                continue;
                        r = stkt_remove(t, i);
                        if (r == 0)
                                removed++;
                        else if (r == -EBUSY)
                                refused++;
                }
        }
        if (ret_removed)
                *ret_removed = removed;
        return refused;
}

/* Is @v in the range of what @type stores? */
static bool stkt_cli__fits(int type, int64_t v)
{
        switch (type) {
        case STKT_DT_SERVER_ID:
                return v >= INT32_MIN && v <= INT32_MAX;
        case STKT_DT_GPT0:
        case STKT_DT_CONN_CUR:
                return v >= 0 && v <= UINT32_MAX;
        default:
                return v >= 0;
        }
}

int stkt_cli_set(struct stkt *t, const char *key_text, const char *type_word,
                 const char *value_text, uint64_t now, char *err, size_t errlen)
{
        uint8_t buf[STKT_KEY_MAX];
        struct stkt_key key;
        uint32_t idx;
        int64_t v;
        int dt, r, created;

        r = stkt_cli_key_parse(t, key_text, buf, sizeof(buf), &key, err, errlen);
        if (r < 0)
                return r;
        r = stkt_cli__type_word(t, type_word, "a value", &dt, err, errlen);
        if (r < 0)
                return r;
        if (stkt_cli__is_rate((enum stkt_data_type)dt)) {
                stkt_cli__err(err, errlen, "Rate data type %s cannot be set",
                              stkt_dt_name((enum stkt_data_type)dt));
                return -EINVAL;
        }
        if (stkt_cli__parse_i64(value_text, &v) < 0 || !stkt_cli__fits(dt, v)) {
                stkt_cli__err(err, errlen, "Require a valid integer value to store");
                return -EINVAL;
        }
        r = stkt_get_or_insert(t, &key, now, &idx);
        if (r < 0) {
                stkt_cli__err(err, errlen, "Unable to allocate a new entry");
                return r;
        }
        created = r;
        r = stkt_set(t, idx, (enum stkt_data_type)dt, (uint64_t)v);
        if (r < 0) {
                stkt_cli__err(err, errlen, "Data type not stored in this table");
                return r;
        }
        stkt_touch(t, idx, now);
        return created;
}

/* Filters from @words[@at..@n): "data.TYPE OP VALUE" triples. Returns the count or -1. */
static int cli_filters(const struct stkt *t, char **words, int at, int n, struct stkt_cli_filter *f,
                       FILE *out)
{
        int k = 0;
        char err[256];

        for (int i = at; i < n; i += 3) {
                if (i + 3 > n || k == (int)STKT_CLI_FILTERS_MAX) {
                        fprintf(out, "Expected at most %u 'data.<type> <op> <value>' filters\n",
                                STKT_CLI_FILTERS_MAX);
                        return -1;
                }
                if (stkt_cli_parse_filter(t, words[i], words[i + 1], words[i + 2], &f[k], err,
                                          sizeof(err)) < 0) {
                        fprintf(out, "%s\n", err);
                        return -1;
                }
                k++;
        }
        return k;
}

void stkt_cli_command(FILE *out, const char *const *names, struct stkt *const *tables,
                      size_t n_tables, char **words, int n, bool operator, uint64_t now)
{
        struct stkt_cli_filter f[STKT_CLI_FILTERS_MAX];
        struct stkt *t = NULL;
        char err[256] = "";
        bool show = strcmp(words[0], "show") == 0;
        int k;

        if (show && n == 2) {
                (void)stkt_cli_show_tables(out, names, tables, n_tables);
                return;
        }
        for (size_t i = 0; n > 2 && i < n_tables && !t; i++)
                if (strcmp(names[i], words[2]) == 0)
                        t = tables[i];
        if (!t) {
                fputs(n > 2 ? "No such table\n" : "Expected a table name\n", out);
                return;
        }
        if (show && !operator) {
                (void)stkt_cli_show_table_header(out, words[2], t);
                fputs("# contents not dumped due to insufficient privileges\n", out);
                return;
        }
        if (!show && !operator) {
                fputs("Permission denied\n", out);
                return;
        }
        if (show && n == 5 && strcmp(words[3], "key") == 0) {
                if (stkt_cli_dump_key(out, words[2], t, words[4], now, err, sizeof(err)) < 0)
                        fprintf(out, "%s\n", err);
                return;
        }
        if (show) {
                k = cli_filters(t, words, 3, n, f, out);
                if (k >= 0)
                        (void)stkt_cli_dump(out, words[2], t, f, (size_t)k, now);
                return;
        }
        if (strcmp(words[0], "clear") == 0) {
                const char *key = NULL;
                uint32_t removed = 0;
                int r;

                if (n == 5 && strcmp(words[3], "key") == 0) {
                        key = words[4];
                        k = 0;
                } else {
                        k = cli_filters(t, words, 3, n, f, out);
                        if (k < 0)
                                return;
                }
                r = stkt_cli_clear(t, key, f, (size_t)k, now, &removed, err, sizeof(err));
                if (r < 0)
                        fprintf(out, "%s\n", err);
                else if (r > 0)
                        fputs("Entry currently in use, cannot remove\n", out);
                return;
        }
        /* set table NAME key K data.TYPE VALUE */
        if (n != 7 || strcmp(words[3], "key") != 0) {
                fputs("Expected 'set table <table> key <key> data.<type> <value>'\n", out);
                return;
        }
        if (stkt_cli_set(t, words[4], words[5], words[6], now, err, sizeof(err)) < 0)
                fprintf(out, "%s\n", err);
}
