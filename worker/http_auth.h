#pragma once
/* HTTP Basic authentication against a userlist (HAProxy's auth.c): what the http_auth()
 * and http_auth_group() fetches check. Passwords are verified with crypt(3); the worker is
 * single-threaded, so one crypt_data serves every check. */

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "str.h"

struct http_msg;

/* The "Basic" credentials of the request's first Authorization field (read as HAProxy's
 * get_http_auth() reads them) checked against @ul: -ENOENT when there are none (no such
 * field, another scheme, undecodable credentials), 0 when they are not valid (unknown user,
 * wrong password, a user without a password), 1 when they are, with the user in *ret_user. */
int http_auth_check(const struct cfg_userlist *ul, const struct http_msg *req,
                    const struct cfg_ul_user **ret_user);

/* The user of @ul whose valid credentials the request gives (http_auth_check()), or NULL. */
const struct cfg_ul_user *http_auth_user(const struct cfg_userlist *ul, const struct http_msg *req);

/* http_auth_group's own match in an ACL @e (CFG_MATCH_AUTH, HAProxy's pat_match_auth()):
 * does the user named @user, of the userlist of @e's fetch, belong to a group that one of
 * @e's patterns names? */
bool http_auth_group_match(const struct cfg_acl_expr *e, struct sl_str user);

/* Is @u (a user of @ul) a member of the group named @group? */
bool http_auth_in_group(const struct cfg_userlist *ul, const struct cfg_ul_user *u,
                        struct sl_str group);

/* Decode base64 @in (RFC 4648, padded, no blanks) into @out: the length, or -1. */
int http_auth_b64dec(struct sl_str in, char *out, size_t size);
