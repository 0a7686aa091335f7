/* man/sluice.cfg.5 documents every word the parser accepts where a line names an option or
 * an action: bind and server options, rule actions, the keywords of the peers, resolvers
 * and userlist sections, ACL flags and match methods, log-format variables.
 *
 * Most of these words are matched by the parser with strcmp() rather than found in one
 * table, so the candidates are every word-like string literal of config/'s sources: each
 * is written where the word would go, the configuration is loaded, and a word the parser
 * does not answer with "unknown" or "not supported" is one it accepts, which the manual
 * must show in bold (a ".B" line, or "\fB"). A new keyword handled with a new literal is
 * checked without changing this test. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cfgtest.h"
#include "fmt.h"
#include "load.h"
#include "macros.h"
#include "unit.h"

static char *man;

static void setup(void)
{
        man = cfgtest_read_file("man/sluice.cfg.5");
}

static void teardown(void)
{
        free(man);
        man = NULL;
        cfg_diags_clear(&cfgtest_diags);
}

/* Is @word (up to a '(' of arguments) in bold somewhere in @man: on a line of the macros
 * .B, .BI, .BR, .IB or .RB, or after a "\fB"? roff writes each '-' as "\-". */
static bool man_bold(const char *text, const char *word)
{
        char esc[160];
        size_t n = 0;

        for (const char *k = word; *k && *k != '(' && n + 2 < sizeof(esc); k++) {
                if (*k == '-')
                        esc[n++] = '\\';
                esc[n++] = *k;
        }
        esc[n] = '\0';
        for (const char *p = strstr(text, esc); p; p = strstr(p + 1, esc)) {
                const char *line = p, *f = NULL;
                char before = p == text ? '\n' : p[-1], after = p[n];

                /* a whole word: "\fB" or "\fP" before it counts as a blank */
                if (!strchr(" \t\n\"([", before) &&
                    !(p - text >= 3 && p[-3] == '\\' && p[-2] == 'f'))
                        continue;
                if (after != '\0' && !strchr(" \t\n\"(),.;:[]|\\", after))
                        continue;
                while (line > text && line[-1] != '\n')
                        line--;
                if (strncmp(line, ".B ", 3) == 0 || strncmp(line, ".BI ", 4) == 0 ||
                    strncmp(line, ".BR ", 4) == 0 || strncmp(line, ".IB ", 4) == 0 ||
                    strncmp(line, ".RB ", 4) == 0)
                        return true;
                for (const char *q = line; q < p; q++)
                        if (q[0] == '\\' && q[1] == 'f')
                                f = q + 2;
                if (f && *f == 'B')
                        return true;
        }
        return false;
}

/* ---- the candidates: config/'s string literals ---- */

static char **words;
static size_t n_words, cap_words;

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A literal that may be a keyword: "-i", "--", "set-var(", "track-sc", "http-request". */
static bool word_like(const char *s, size_t len)
{
        size_t i = 0;

        if (len == 0 || len > 64)
                return false;
        while (i < len && i < 2 && s[i] == '-')
                i++;
        if (i == len)
                return i == 2;
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
                return false;
        for (; i < len; i++) {
                char c = s[i];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || (c == '(' && i == len - 1)))
                        return false;
        }
        return true;
}

static void add_word(const char *s, size_t len)
{
        if (n_words == cap_words) {
                cap_words = cap_words ? 2 * cap_words : 1024;
                words = realloc(words, cap_words * sizeof(*words));
                ck_assert_ptr_nonnull(words);
        }
        words[n_words] = strndup(s, len);
        ck_assert_ptr_nonnull(words[n_words]);
        n_words++;
}

/* The string literals of the C source @text, comments and character constants aside. */
static void scan_literals(const char *text)
{
        for (const char *p = text; *p;) {
                if (p[0] == '/' && p[1] == '*') {
                        const char *e = strstr(p + 2, "*/");

                        p = e ? e + 2 : p + strlen(p);
                } else if (p[0] == '/' && p[1] == '/') {
                        p += strcspn(p, "\n");
                } else if (*p == '\'' || *p == '"') {
                        char q = *p++;
                        const char *s = p;

                        while (*p && *p != q)
                                p += p[0] == '\\' && p[1] ? 2 : 1;
                        if (q == '"' && word_like(s, (size_t)(p - s))) {
                                add_word(s, (size_t)(p - s));
                                /* with an argument ("sc-inc-gpc0(" + "0)", "set-var" +
                                 * "(txn.x)"), or a counter's digit ("track-sc" + "0") */
                                if (s[p - s - 1] == '(') {
                                        char buf[80];

                                        snprintf(buf, sizeof(buf), "%.*s0)", (int)(p - s), s);
                                        add_word(buf, strlen(buf));
                                        snprintf(buf, sizeof(buf), "%.*stxn.x)", (int)(p - s), s);
                                        add_word(buf, strlen(buf));
                                } else {
                                        char buf[80];

                                        snprintf(buf, sizeof(buf), "%.*s(txn.x)", (int)(p - s), s);
                                        add_word(buf, strlen(buf));
                                        snprintf(buf, sizeof(buf), "%.*s0", (int)(p - s), s);
                                        if (!(p[-1] >= '0' && p[-1] <= '9'))
                                                add_word(buf, strlen(buf));
                                }
                        }
                        if (*p)
                                p++;
                } else {
                        p++;
                }
        }
}

static void load_candidates(void)
{
        char dir[4096];
        DIR *d;
        struct dirent *e;
        size_t k = 0;

        if (words)
                return;
        snprintf(dir, sizeof(dir), "%s/config", cfgtest_source_root());
        d = opendir(dir);
        ck_assert_msg(d != NULL, "cannot open %s", dir);
        while ((e = readdir(d))) {
                size_t len = strlen(e->d_name);
                char path[4400], *text;

                if (len < 3 || strcmp(e->d_name + len - 2, ".c") != 0)
                        continue;
                snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
                text = cfgtest_read_file(path);
                scan_literals(text);
                free(text);
        }
        closedir(d);
        qsort(words, n_words, sizeof(*words), cmp_str);
        for (size_t i = 0; i < n_words; i++) {
                if (k && strcmp(words[k - 1], words[i]) == 0)
                        free(words[i]);
                else
                        words[k++] = words[i];
        }
        n_words = k;
        ck_assert_uint_gt(n_words, 500);
}

/* ---- probes ---- */

struct probe {
        const char *what;
        const char *before; /* the lines before the probe's line, then its start */
        const char *after;  /* the rest of the probe's line, and the lines after */
        unsigned line;      /* the probe's line */
        bool flags_only;    /* only candidates starting with '-' */
};

/* No name resolves: a probe never queries a resolver. */
static int resolve_none(void *data, const char *host, int family, struct sockaddr_storage *ret_ss,
                        char *err, size_t errlen)
{
        snprintf(err, errlen, "unknown host");
        return -EADDRNOTAVAIL;
}

static const struct cfg_load_opts opts = {.resolve = resolve_none};

/* Does the parser accept @word where @pr puts it: nothing said about the probe's line calls
 * it unknown or unsupported? */
static bool accepted(const struct probe *pr, const char *word)
{
        char text[1024];
        struct cfg_gen *g;

        snprintf(text, sizeof(text), "%s%s%s", pr->before, word, pr->after);
        (void)cfgtest_load(text, &opts, &g);
        cfg_gen_unref(g);
        for (size_t i = 0; i < cfgtest_diags.n; i++) {
                const struct cfg_diag *d = &cfgtest_diags.v[i];

                if (d->line == pr->line &&
                    (strstr(d->msg, "unknown") || strstr(d->msg, "not support") ||
                     strstr(d->msg, "did you mean") || strstr(d->msg, "outside of any section") ||
                     (strstr(d->msg, "is not a") && strstr(d->msg, "action"))))
                        return false;
        }
        return true;
}

static const struct probe probes[] = {
        {"bind option", "frontend f\n    bind :80 ", "\n", 2, false},
        {"server option", "backend b\n    server s 127.0.0.1:80 ", "\n", 2, false},
        {"default-server option", "backend b\n    default-server ", "\n", 2, false},
        {"http-request action", "frontend f\n    mode http\n    http-request ", "\n", 3, false},
        {"http-response action", "frontend f\n    mode http\n    http-response ", "\n", 3, false},
        {"http-after-response action", "frontend f\n    mode http\n    http-after-response ", "\n",
         3, false},
        {"tcp-request connection action", "frontend f\n    tcp-request connection ", "\n", 2,
         false},
        {"tcp-request session action", "frontend f\n    tcp-request session ", "\n", 2, false},
        {"tcp-request content action", "frontend f\n    tcp-request content ", "\n", 2, false},
        {"peers section keyword", "peers p\n    ", "\n", 2, false},
        {"resolvers section keyword", "resolvers r\n    ", "\n", 2, false},
        {"userlist section keyword", "userlist u\n    ", "\n", 2, false},
        {"ACL flag", "frontend f\n    acl a src ", " 127.0.0.1\n", 2, true},
        {"ACL match method", "frontend f\n    acl a path -m ", "\n", 2, false},
        {"section", "", " x\n", 1, false},
};

static const struct probe *probe(const char *what)
{
        for (size_t i = 0; i < SL_ARRAY_SIZE(probes); i++)
                if (strcmp(probes[i].what, what) == 0)
                        return &probes[i];
        ck_abort_msg("no probe '%s'", what);
        return NULL;
}

START_TEST(test_probe_sees_unknown_words)
{
        /* the probes can tell: a made-up word is refused everywhere, a real one accepted */
        for (size_t i = 0; i < SL_ARRAY_SIZE(probes); i++)
                ck_assert_msg(!accepted(&probes[i], probes[i].flags_only ? "-y" : "zzyzx"),
                              "the %s probe accepts a made-up word", probes[i].what);
        ck_assert(accepted(probe("bind option"), "v4v6"));
        ck_assert(accepted(probe("http-request action"), "set-header"));
        ck_assert(accepted(probe("ACL flag"), "-i"));
        ck_assert(accepted(probe("ACL match method"), "beg"));
        ck_assert(!man_bold(man, "no-such-word"));
        ck_assert(man_bold(man, "v4v6"));
}
END_TEST

START_TEST(test_every_accepted_word_in_man_page)
{
        const struct probe *pr = &probes[_i];
        size_t n_accepted = 0, n_missing = 0;
        char missing[4096] = "";

        load_candidates();
        for (size_t i = 0; i < n_words; i++) {
                if (pr->flags_only != (words[i][0] == '-'))
                        continue;
                if (!accepted(pr, words[i]))
                        continue;
                n_accepted++;
                if (!man_bold(man, words[i])) {
                        n_missing++;
                        snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing),
                                 " %s", words[i]);
                }
        }
        ck_assert_msg(n_accepted > 0, "no %s accepted: the probe is broken", pr->what);
        ck_assert_msg(n_missing == 0,
                      "%zu %s(s) accepted but not documented in man/sluice.cfg.5:%s", n_missing,
                      pr->what, missing);
}
END_TEST

START_TEST(test_every_log_format_variable_in_man_page)
{
        char missing[1024] = "";

        for (unsigned v = 0; v < CFG_LV_COUNT; v++) {
                char name[32];

                snprintf(name, sizeof(name), "%%%s", cfg_log_var_name((enum cfg_log_var)v));
                if (!man_bold(man, name))
                        snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing),
                                 " %s", name);
        }
        ck_assert_msg(!*missing, "log-format variables not documented in man/sluice.cfg.5:%s",
                      missing);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("config/man");
        TCase *tc = tcase_create("man");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_probe_sees_unknown_words);
        tcase_add_loop_test(tc, test_every_accepted_word_in_man_page, 0, SL_ARRAY_SIZE(probes));
        tcase_add_test(tc, test_every_log_format_variable_in_man_page);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
