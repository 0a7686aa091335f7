#pragma once
/* The HTTP/1 mux (mux.h): HTTP/1.1 and 1.0 on a client or a server connection, one stream at
 * a time (pipelined requests wait in the receive buffer), keep-alive, 100-continue, Upgrade
 * and CONNECT tunnels, and the soft stop that answers the current request with
 * Connection: close. */

#include "mux.h"

extern const struct mux_ops mux_h1_ops;
