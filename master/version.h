#pragma once
/* `sluice -v` and `-vv`: the release, the git revision it was built from, and with -vv the
 * versions of the libraries it was built against and the ones it runs with. */

#include <stdio.h>

struct cfg_cond_facts;

/* What sluice has, in the form and with the names of HAProxy's "-vv" feature list ("+X" it
 * has, "-X" it has not); feature() in configuration conditions reads it. */
#define MASTER_FEATURES                                                                       \
        "+ACCEPT4 -CPU_AFFINITY +EPOLL -EVPORTS -GETADDRINFO -KQUEUE +LINUX_SPLICE "          \
        "-LINUX_TPROXY -LUA -NETFILTER -OPENSSL -OT -PCRE +PCRE2 +PCRE2_JIT -PCRE_JIT -POLL " \
        "+PRCTL -PROMEX -QUIC -SLZ +SYSTEMD -TFO -THREAD -TPROXY -ZLIB"

/* The options enabled(<opt>) is true for: epoll is the poller, TCP forwarding splices,
 * listeners are SO_REUSEPORT sockets, and bodies are forwarded from the receiving buffer
 * without a copy. */
#define MASTER_ENABLED "EPOLL SPLICE REUSEPORT FAST-FORWARD"

/* The answers of configuration conditions about this program: the features above and the
 * OpenSSL it was built with and runs with. Static storage. */
const struct cfg_cond_facts *master_cond_facts(void);

/* @verbosity 1: one line; 2 or more: also one line per library. */
void master_version_print(FILE *out, int verbosity);
