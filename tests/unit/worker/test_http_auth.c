#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "http_auth.h"
#include "load.h"
#include "unit.h"

static struct cfg_gen *gen;
static const struct cfg_userlist *ul;

/* tiger's password "tigerpw" as a SHA-256 crypt hash, made here by the same libcrypt */
static void setup(void)
{
        struct cfg_diags diags = {0};
        char text[512];
        const char *hash = crypt("tigerpw", "$5$saltsalt$");

        ck_assert_ptr_nonnull(hash);
        snprintf(text, sizeof(text),
                 "userlist L\n    group admins users tiger\n    group dev\n"
                 "    user tiger password %s\n    user scott insecure-password elgato groups dev\n"
                 "    user nopass\n"
                 "frontend f\n    mode http\n    bind 127.0.0.1:80\n"
                 "    acl a http_auth_group(L) dev\n"
                 "    http-request deny if a\n",
                 hash);
        ck_assert_int_eq(cfg_load_text("t.cfg", text, strlen(text), NULL, &gen, &diags), 0);
        cfg_diags_clear(&diags);
        ul = cfg_gen_find_userlist(gen, "L");
        ck_assert_ptr_nonnull(ul);
}

static void teardown(void)
{
        gen = cfg_gen_unref(gen);
}

/* The user @authz (an Authorization value, or NULL: no field) authenticates as. */
static const char *user_of(const char *authz)
{
        struct http_hdr hdrs[2];
        struct http_msg m = {.hdrs = hdrs, .max_hdrs = 2};
        const struct cfg_ul_user *u;

        http_hdr_add(&m, SL_STR_LIT("Accept"), SL_STR_LIT("*/*"));
        if (authz)
                http_hdr_add(&m, SL_STR_LIT("authorization"), sl_str_from_cstr(authz));
        u = http_auth_user(ul, &m);
        return u ? u->name : NULL;
}

START_TEST(test_users)
{
        /* tiger:tigerpw, scott:elgato, scott:wrong, nopass:, tiger:elgato */
        ck_assert_str_eq(user_of("Basic dGlnZXI6dGlnZXJwdw=="), "tiger");
        ck_assert_str_eq(user_of("basic   c2NvdHQ6ZWxnYXRv"), "scott");
        ck_assert_ptr_null(user_of("Basic c2NvdHQ6d3Jvbmc="));
        ck_assert_ptr_null(user_of("Basic bm9wYXNzOg=="));
        ck_assert_ptr_null(user_of("Basic dGlnZXI6ZWxnYXRv"));
        /* unknown user, no colon, broken base64, another scheme, no field */
        ck_assert_ptr_null(user_of("Basic Ym9iOng="));
        ck_assert_ptr_null(user_of("Basic dGlnZXI="));
        ck_assert_ptr_null(user_of("Basic dGlnZXI6dGlnZXJwdw="));
        ck_assert_ptr_null(user_of("Bearer dGlnZXI6dGlnZXJwdw=="));
        ck_assert_ptr_null(user_of(NULL));
}
END_TEST

/* http_auth_check() for @authz: -ENOENT without Basic credentials, else valid or not. */
static int check(const char *authz)
{
        struct http_hdr hdrs[1];
        struct http_msg m = {.hdrs = hdrs, .max_hdrs = 1};
        const struct cfg_ul_user *u = NULL;
        int r;

        if (authz)
                http_hdr_add(&m, SL_STR_LIT("Authorization"), sl_str_from_cstr(authz));
        r = http_auth_check(ul, &m, &u);
        ck_assert(r == 1 ? u != NULL : u == NULL);
        return r;
}

START_TEST(test_check_outcomes)
{
        ck_assert_int_eq(check("Basic dGlnZXI6dGlnZXJwdw=="), 1);
        /* wrong password, unknown user, a user without a password: no match */
        ck_assert_int_eq(check("Basic c2NvdHQ6d3Jvbmc="), 0);
        ck_assert_int_eq(check("Basic Ym9iOng="), 0);
        ck_assert_int_eq(check("Basic bm9wYXNzOg=="), 0);
        /* no credentials at all: no sample (HAProxy's get_http_auth() fails) */
        ck_assert_int_eq(check("Basic dGlnZXI="), -ENOENT);
        ck_assert_int_eq(check("Basic !!!!"), -ENOENT);
        ck_assert_int_eq(check("Bearer abc"), -ENOENT);
        ck_assert_int_eq(check(NULL), -ENOENT);
}
END_TEST

START_TEST(test_groups)
{
        const struct cfg_ul_user *tiger = &ul->users[0], *scott = &ul->users[1];

        ck_assert(http_auth_in_group(ul, tiger, SL_STR_LIT("admins")));
        ck_assert(!http_auth_in_group(ul, tiger, SL_STR_LIT("dev")));
        ck_assert(http_auth_in_group(ul, scott, SL_STR_LIT("dev")));
        ck_assert(!http_auth_in_group(ul, scott, SL_STR_LIT("admin")));
        ck_assert(!http_auth_in_group(ul, NULL, SL_STR_LIT("dev")));
}
END_TEST

START_TEST(test_group_acl)
{
        const struct cfg_acl_expr *e = gen->proxies[0]->acls[0]->exprs[0];

        ck_assert_int_eq(e->match, CFG_MATCH_AUTH);
        ck_assert(http_auth_group_match(e, SL_STR_LIT("scott")));
        ck_assert(!http_auth_group_match(e, SL_STR_LIT("tiger")));
        ck_assert(!http_auth_group_match(e, SL_STR_LIT("nobody")));
        ck_assert(!http_auth_group_match(e, SL_STR_LIT("")));
}
END_TEST

START_TEST(test_base64)
{
        char out[16];

        ck_assert_int_eq(http_auth_b64dec(SL_STR_LIT("YQ=="), out, sizeof(out)), 1);
        ck_assert_int_eq(http_auth_b64dec(SL_STR_LIT("YWI="), out, sizeof(out)), 2);
        ck_assert_int_eq(http_auth_b64dec(SL_STR_LIT("YWJj"), out, sizeof(out)), 3);
        ck_assert(memcmp(out, "abc", 3) == 0);
        ck_assert_int_eq(http_auth_b64dec(SL_STR_LIT(""), out, sizeof(out)), 0);
        ck_assert_int_eq(http_auth_b64dec(SL_STR_LIT("YQ="), out, sizeof(out)), -1);
        ck_assert_int_eq(http_auth_b64dec(SL_STR_LIT("Y=Q="), out, sizeof(out)), -1);
        ck_assert_int_eq(http_auth_b64dec(SL_STR_LIT("YW!j"), out, sizeof(out)), -1);
        ck_assert_int_eq(http_auth_b64dec(SL_STR_LIT("YWJjZGVm"), out, 5), -1);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("worker/http_auth");
        TCase *tc = tcase_create("userlist");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_users);
        tcase_add_test(tc, test_check_outcomes);
        tcase_add_test(tc, test_groups);
        tcase_add_test(tc, test_group_acl);
        tcase_add_test(tc, test_base64);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
