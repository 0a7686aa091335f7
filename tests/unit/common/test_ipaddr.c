#include <arpa/inet.h>
#include <string.h>
#include <sys/un.h>

#include "ipaddr.h"
#include "unit.h"

START_TEST(test_addr_set_keeps_ip_addresses_whole)
{
        struct sockaddr_storage ss;
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        union sl_addr a;
        char buf[INET6_ADDRSTRLEN + 8];

        memset(&ss, 0xa5, sizeof(ss));
        in->sin_family = AF_INET;
        in->sin_port = htons(8080);
        ck_assert_int_eq(inet_pton(AF_INET, "192.0.2.7", &in->sin_addr), 1);
        memset(in->sin_zero, 0, sizeof(in->sin_zero));
        sl_addr_set(&a, (struct sockaddr *)&ss, sizeof(*in));
        ck_assert_int_eq(a.sa.sa_family, AF_INET);
        ck_assert_int_eq(sl_addr_port(&a), 8080);
        ck_assert_int_eq(sl_addr_len(&a), sizeof(struct sockaddr_in));
        ck_assert_mem_eq(&a.sin, in, sizeof(*in));
        ck_assert_str_eq(inet_ntop(AF_INET, &a.sin.sin_addr, buf, sizeof(buf)), "192.0.2.7");
        ck_assert_str_eq(sl_addr_text(&a, true, buf, sizeof(buf)), "192.0.2.7:8080");

        memset(&ss, 0, sizeof(ss));
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(443);
        in6->sin6_scope_id = 3;
        ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::1", &in6->sin6_addr), 1);
        sl_addr_set(&a, (struct sockaddr *)&ss, sizeof(ss));
        ck_assert_int_eq(a.sa.sa_family, AF_INET6);
        ck_assert_int_eq(sl_addr_port(&a), 443);
        ck_assert_int_eq(sl_addr_len(&a), sizeof(struct sockaddr_in6));
        ck_assert_mem_eq(&a.sin6, in6, sizeof(*in6));
        ck_assert_uint_eq(sizeof(a), sizeof(struct sockaddr_in6));
        ck_assert_str_eq(sl_addr_text(&a, true, buf, sizeof(buf)), "[2001:db8::1]:443");
}
END_TEST

START_TEST(test_addr_set_other_families)
{
        struct sockaddr_un un = {.sun_family = AF_UNIX, .sun_path = "/run/x.sock"};
        struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(1)};
        struct sockaddr sa = {.sa_family = AF_PACKET};
        union sl_addr a;
        char buf[64];

        /* a Unix socket's address: its family, no path, no port, no length to connect to */
        sl_addr_set(&a, (struct sockaddr *)&un, sizeof(un));
        ck_assert_int_eq(a.sa.sa_family, AF_UNIX);
        ck_assert_int_eq(sl_addr_port(&a), 0);
        ck_assert_int_eq(sl_addr_len(&a), 0);
        ck_assert_str_eq(sl_addr_text(&a, true, buf, sizeof(buf)), "unix:");
        /* too short for its family, or a family that is not kept: nothing */
        sl_addr_set(&a, (struct sockaddr *)&in, sizeof(in) - 1);
        ck_assert_int_eq(a.sa.sa_family, AF_UNSPEC);
        sl_addr_set(&a, &sa, sizeof(sa));
        ck_assert_int_eq(a.sa.sa_family, AF_UNSPEC);
        ck_assert_int_eq(sl_addr_len(&a), 0);
        ck_assert_str_eq(sl_addr_text(&a, false, buf, sizeof(buf)), "?");
}
END_TEST

START_TEST(test_same_ip_and_text)
{
        struct sockaddr_storage a = {0}, b = {0};
        struct sockaddr_in *ia = (struct sockaddr_in *)&a, *ib = (struct sockaddr_in *)&b;
        char buf[INET6_ADDRSTRLEN];

        ck_assert(sl_same_ip(&a, &b)); /* neither has one */
        ia->sin_family = ib->sin_family = AF_INET;
        ck_assert_int_eq(inet_pton(AF_INET, "10.0.0.5", &ia->sin_addr), 1);
        ck_assert_int_eq(inet_pton(AF_INET, "10.0.0.5", &ib->sin_addr), 1);
        ib->sin_port = htons(80); /* the port aside */
        ck_assert(sl_same_ip(&a, &b));
        ck_assert_int_eq(inet_pton(AF_INET, "10.0.0.7", &ib->sin_addr), 1);
        ck_assert(!sl_same_ip(&a, &b));
        ck_assert_str_eq(sl_ip_str(&b, buf, sizeof(buf), "-"), "10.0.0.7");
        b.ss_family = AF_UNSPEC;
        ck_assert_str_eq(sl_ip_str(&b, buf, sizeof(buf), "(none)"), "(none)");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("common/ipaddr");
        TCase *tc = tcase_create("ipaddr");

        tcase_add_test(tc, test_addr_set_keeps_ip_addresses_whole);
        tcase_add_test(tc, test_addr_set_other_families);
        tcase_add_test(tc, test_same_ip_and_text);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
