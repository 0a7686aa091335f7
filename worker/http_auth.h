#pragma once
/* HTTP Basic authentication against a userlist (HAProxy's auth.c): what the http_auth()
 * and http_auth_group() fetches check. Passwords are verified with crypt(3); the worker is
 * single-threaded, so one crypt_data serves every check. */

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "str.h"

struct http_msg;

/* The user of @ul whose name and password the request's first Authorization field gives
 * ("Basic" credentials, as HAProxy reads them), or NULL: no such field, another scheme,
 * undecodable credentials, unknown user, wrong password, or a user without a password. */
const struct cfg_ul_user *http_auth_user(const struct cfg_userlist *ul, const struct http_msg *req);

/* Is @u (a user of @ul) a member of the group named @group? */
bool http_auth_in_group(const struct cfg_userlist *ul, const struct cfg_ul_user *u,
                        struct sl_str group);

/* Decode base64 @in (RFC 4648, padded, no blanks) into @out: the length, or -1. */
int http_auth_b64dec(struct sl_str in, char *out, size_t size);
