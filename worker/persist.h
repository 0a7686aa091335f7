#pragma once
/* Persistence (persist.c): the server a request's persistence chooses, and what a response
 * teaches it. http_ana.c calls these at their places in the analysis. */

struct stream;

/* After the backend is chosen: the persist rules (ignore-persist, force-persist), then
 * use-server, persist rdp-cookie (TCP), the persistence cookie (HTTP) and the stick rules
 * choose st->force_idx, or leave it -1 for the balancer. */
void persist_request(struct stream *st);

/* The response of an HTTP stream: insert the server's persistence cookie when the client
 * did not send it, or rewrite or prefix the application's own. */
void persist_response(struct stream *st);

/* The backend's "stick store-response" rules, on the response head (HTTP: after the header
 * captures and before the http-response rules) or once connected to the server (TCP): the
 * first rule of each table whose condition holds and whose key has a value stores it with
 * the server that answered, at most STICK_STORES_MAX of them, as HAProxy. */
void persist_store_response(struct stream *st);
