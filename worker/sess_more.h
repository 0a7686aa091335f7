#pragma once
/* A session's rarely used parts (struct sess_more, session-t.h): the counters tracked for
 * the connection, the sess.* variables, the PROXY header's TLVs. A module of its own so
 * that what sets them (stick.c, vars.c, sess_proxy.c) needs nothing else of session.c. */

#include "session-t.h"

/* @s's rarely used parts, allocated on the first call; NULL when out of memory (counted).
 * Readers test s->more instead: NULL means none of them was ever set. */
struct sess_more *sess_more(struct sess *s);
