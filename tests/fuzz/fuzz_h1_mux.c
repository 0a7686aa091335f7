/* Fuzz target for the HTTP/1 data path as a whole (fuzz_mux.h): the client speaks HTTP/1 to
 * a frontend with rules, a backend with persistence and connection reuse, and for paths
 * under /h2 a backend whose servers speak HTTP/2 (their bytes are frames after the server's
 * SETTINGS). */
#include <stdint.h>

#include "fuzz_mux.h"
#include "mux_h1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char config[] = "global\n"
                             "    tune.bufsize 2048\n"
                             "defaults\n"
                             "    mode http\n"
                             "    timeout connect 1s\n"
                             "    timeout client 5s\n"
                             "    timeout server 5s\n"
                             "    retries 2\n"
                             "frontend fe\n"
                             "    bind 127.0.0.1:1\n"
                             "    option forwardfor\n"
                             "    http-request set-header X-Path %[path]\n"
                             "    http-request deny if { path_beg /deny }\n"
                             "    http-request redirect prefix /r if { path_beg /redir }\n"
                             "    http-response add-header X-Seen yes\n"
                             "    use_backend beh2 if { path_beg /h2 }\n"
                             "    default_backend be\n"
                             "backend be\n"
                             "    http-reuse always\n"
                             "    cookie SRV insert indirect nocache\n"
                             "    server s1 127.0.0.1:2 cookie a\n"
                             "    server s2 127.0.0.1:3 cookie b\n"
                             "backend beh2\n"
                             "    http-reuse always\n"
                             "    server h1 127.0.0.1:4 proto h2\n"
                             "    server h2 127.0.0.1:5 proto h2\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        fuzz_mux_run(&mux_h1_ops, config, data, size);
        return 0;
}
