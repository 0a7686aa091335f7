#pragma once
/* The TCP relay mux (mux.h): a connection of a frontend or backend in mode tcp carries one
 * stream of opaque bytes, spliced between the sockets when the transports allow. */

#include "mux.h"

extern const struct mux_ops mux_tcp_ops;
