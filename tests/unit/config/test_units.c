#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "unit.h"
#include "units.h"

static char errbuf[256];

static int time_ms(const char *s, enum cfg_time_unit unit, uint32_t *ret_ms)
{
        errbuf[0] = '\0';
        return cfg_parse_time(sl_str_from_cstr(s), unit, ret_ms, errbuf, sizeof(errbuf));
}

static int time_us(const char *s, enum cfg_time_unit unit, uint64_t *ret_us)
{
        errbuf[0] = '\0';
        return cfg_parse_time_us(sl_str_from_cstr(s), unit, ret_us, errbuf, sizeof(errbuf));
}

static int size(const char *s, uint64_t max, uint64_t *ret)
{
        errbuf[0] = '\0';
        return cfg_parse_size(sl_str_from_cstr(s), max, ret, errbuf, sizeof(errbuf));
}

static int addr(const char *s, unsigned flags, struct cfg_addr *a)
{
        errbuf[0] = '\0';
        return cfg_parse_addr(sl_str_from_cstr(s), flags, a, errbuf, sizeof(errbuf));
}

START_TEST(test_time_units)
{
        uint32_t ms = 0;

        ck_assert_int_eq(time_ms("0", CFG_TIME_MS, &ms), 0);
        ck_assert_uint_eq(ms, 0);
        ck_assert_int_eq(time_ms("5000", CFG_TIME_MS, &ms), 0);
        ck_assert_uint_eq(ms, 5000);
        ck_assert_int_eq(time_ms("5000us", CFG_TIME_MS, &ms), 0);
        ck_assert_uint_eq(ms, 5);
        ck_assert_int_eq(time_ms("1500us", CFG_TIME_MS, &ms), 0);
        ck_assert_uint_eq(ms, 1);
        ck_assert_int_eq(time_ms("250ms", CFG_TIME_S, &ms), 0);
        ck_assert_uint_eq(ms, 250);
        ck_assert_int_eq(time_ms("30s", CFG_TIME_MS, &ms), 0);
        ck_assert_uint_eq(ms, 30000);
        ck_assert_int_eq(time_ms("2m", CFG_TIME_MS, &ms), 0);
        ck_assert_uint_eq(ms, 120000);
        ck_assert_int_eq(time_ms("3h", CFG_TIME_MS, &ms), 0);
        ck_assert_uint_eq(ms, 10800000);
        ck_assert_int_eq(time_ms("24d", CFG_TIME_MS, &ms), 0);
        ck_assert_uint_eq(ms, 2073600000);
        ck_assert_int_eq(time_ms("007s", CFG_TIME_MS, &ms), 0);
        ck_assert_uint_eq(ms, 7000);
        ck_assert_int_eq(time_ms("0us", CFG_TIME_MS, &ms), 0);
        ck_assert_uint_eq(ms, 0);
}
END_TEST

START_TEST(test_time_default_unit)
{
        uint32_t ms = 0;
        uint64_t us = 0;

        ck_assert_int_eq(time_ms("3", CFG_TIME_S, &ms), 0);
        ck_assert_uint_eq(ms, 3000);
        ck_assert_int_eq(time_ms("3", CFG_TIME_M, &ms), 0);
        ck_assert_uint_eq(ms, 180000);
        ck_assert_int_eq(time_ms("3", CFG_TIME_H, &ms), 0);
        ck_assert_uint_eq(ms, 10800000);
        ck_assert_int_eq(time_ms("3", CFG_TIME_D, &ms), 0);
        ck_assert_uint_eq(ms, 259200000);
        ck_assert_int_eq(time_ms("3000", CFG_TIME_US, &ms), 0);
        ck_assert_uint_eq(ms, 3);
        ck_assert_int_eq(time_us("3", CFG_TIME_US, &us), 0);
        ck_assert_uint_eq(us, 3);
        ck_assert_int_eq(time_us("3", CFG_TIME_MS, &us), 0);
        ck_assert_uint_eq(us, 3000);
        ck_assert_int_eq(time_us("7us", CFG_TIME_S, &us), 0);
        ck_assert_uint_eq(us, 7);
        ck_assert_int_eq(time_us("2d", CFG_TIME_US, &us), 0);
        ck_assert(us == 172800000000ull);
        ck_assert_int_eq(time_ms("1", (enum cfg_time_unit)CFG_TIME_UNIT_COUNT, &ms), -EINVAL);
}
END_TEST

START_TEST(test_time_range)
{
        uint32_t ms = 42;
        uint64_t us = 42;

        ck_assert_int_eq(time_ms("2147483647", CFG_TIME_MS, &ms), 0);
        ck_assert_uint_eq(ms, 2147483647u);
        ck_assert_int_eq(time_ms("2147483648", CFG_TIME_MS, &ms), -ERANGE);
        ck_assert_str_eq(errbuf, "time value '2147483648' is too large (maximum 2147483647 ms, "
                                 "about 24.8 days)");
        ck_assert_int_eq(time_ms("25d", CFG_TIME_MS, &ms), -ERANGE);
        ck_assert_int_eq(time_ms("596h", CFG_TIME_MS, &ms), 0);
        ck_assert_int_eq(time_ms("597h", CFG_TIME_MS, &ms), -ERANGE);
        ck_assert_int_eq(time_ms("500us", CFG_TIME_MS, &ms), -ERANGE);
        ck_assert_str_eq(errbuf, "time value '500us' is below the minimum non-zero value of 1 ms");
        ck_assert_int_eq(time_ms("999", CFG_TIME_US, &ms), -ERANGE);
        ck_assert_uint_eq(ms, 596u * 3600000u);

        ck_assert_int_eq(time_us("18446744073709551615", CFG_TIME_US, &us), 0);
        ck_assert(us == UINT64_MAX);
        ck_assert_int_eq(time_us("18446744073709551616", CFG_TIME_US, &us), -ERANGE);
        ck_assert_str_eq(errbuf, "time value '18446744073709551616' is too large");
        ck_assert_int_eq(time_us("18446744073709551615ms", CFG_TIME_US, &us), -ERANGE);
        ck_assert_int_eq(time_us("213503982d", CFG_TIME_US, &us), 0);
        ck_assert_int_eq(time_us("213503983d", CFG_TIME_US, &us), -ERANGE);
        ck_assert_int_eq(time_us("99999999999999999999999999s", CFG_TIME_MS, &us), -ERANGE);
}
END_TEST

START_TEST(test_time_syntax_errors)
{
        uint32_t ms = 42;

        ck_assert_int_eq(time_ms("", CFG_TIME_MS, &ms), -EINVAL);
        ck_assert_str_eq(errbuf, "missing time value");
        ck_assert_int_eq(time_ms("10x", CFG_TIME_MS, &ms), -EINVAL);
        ck_assert_str_eq(errbuf, "unknown unit 'x' in time value '10x' (expected us, ms, s, m, h "
                                 "or d)");
        ck_assert_int_eq(time_ms("10msx", CFG_TIME_MS, &ms), -EINVAL);
        ck_assert_str_eq(errbuf, "unknown unit 'msx' in time value '10msx' (expected us, ms, s, "
                                 "m, h or d)");
        /* units are case-sensitive in HAProxy */
        ck_assert_int_eq(time_ms("10S", CFG_TIME_MS, &ms), -EINVAL);
        ck_assert_int_eq(time_ms("10Ms", CFG_TIME_MS, &ms), -EINVAL);
        ck_assert_int_eq(time_ms("10sec", CFG_TIME_MS, &ms), -EINVAL);
        ck_assert_int_eq(time_ms("10u", CFG_TIME_MS, &ms), -EINVAL);
        ck_assert_int_eq(time_ms("10min", CFG_TIME_MS, &ms), -EINVAL);
        ck_assert_int_eq(time_ms("-1", CFG_TIME_MS, &ms), -EINVAL);
        ck_assert_str_eq(errbuf, "invalid time value '-1': expected digits and an optional unit");
        ck_assert_int_eq(time_ms("+1", CFG_TIME_MS, &ms), -EINVAL);
        ck_assert_int_eq(time_ms(" 1", CFG_TIME_MS, &ms), -EINVAL);
        ck_assert_int_eq(time_ms("1 ", CFG_TIME_MS, &ms), -EINVAL);
        ck_assert_int_eq(time_ms("1 s", CFG_TIME_MS, &ms), -EINVAL);
        ck_assert_int_eq(time_ms("1.5s", CFG_TIME_MS, &ms), -EINVAL);
        ck_assert_str_eq(errbuf, "unknown unit '.5s' in time value '1.5s' (expected us, ms, s, "
                                 "m, h or d)");
        ck_assert_int_eq(time_ms("s", CFG_TIME_MS, &ms), -EINVAL);
        ck_assert_int_eq(time_ms("1s\n", CFG_TIME_MS, &ms), -EINVAL);
        ck_assert_str_eq(errbuf, "unknown unit 's\\x0a' in time value '1s\\x0a' (expected us, "
                                 "ms, s, m, h or d)");
        ck_assert_uint_eq(ms, 42);
}
END_TEST

START_TEST(test_time_view_not_terminated)
{
        static const char text[] = "15s0";
        uint32_t ms = 0;

        ck_assert_int_eq(cfg_parse_time(sl_str_make(text, 3), CFG_TIME_MS, &ms, NULL, 0), 0);
        ck_assert_uint_eq(ms, 15000);
        ck_assert_int_eq(cfg_parse_time(sl_str_make(text, 2), CFG_TIME_S, &ms, NULL, 0), 0);
        ck_assert_uint_eq(ms, 15000);
}
END_TEST

START_TEST(test_size)
{
        uint64_t v = 0;

        ck_assert_int_eq(size("0", UINT64_MAX, &v), 0);
        ck_assert_uint_eq(v, 0);
        ck_assert_int_eq(size("16384", UINT64_MAX, &v), 0);
        ck_assert_uint_eq(v, 16384);
        ck_assert_int_eq(size("16k", UINT64_MAX, &v), 0);
        ck_assert_uint_eq(v, 16384);
        ck_assert_int_eq(size("16K", UINT64_MAX, &v), 0);
        ck_assert_uint_eq(v, 16384);
        ck_assert_int_eq(size("2m", UINT64_MAX, &v), 0);
        ck_assert_uint_eq(v, 2097152);
        ck_assert_int_eq(size("2M", UINT64_MAX, &v), 0);
        ck_assert_uint_eq(v, 2097152);
        ck_assert_int_eq(size("3g", UINT64_MAX, &v), 0);
        ck_assert(v == 3221225472ull);
        ck_assert_int_eq(size("3G", UINT64_MAX, &v), 0);
        ck_assert(v == 3221225472ull);
}
END_TEST

START_TEST(test_size_range)
{
        uint64_t v = 7;

        ck_assert_int_eq(size("4294967295", UINT_MAX, &v), 0);
        ck_assert_uint_eq(v, UINT_MAX);
        ck_assert_int_eq(size("4294967296", UINT_MAX, &v), -ERANGE);
        ck_assert_str_eq(errbuf, "size '4294967296' is too large (maximum 4294967295)");
        ck_assert_int_eq(size("4194303k", UINT_MAX, &v), 0);
        ck_assert_int_eq(size("4194304k", UINT_MAX, &v), -ERANGE);
        ck_assert_int_eq(size("4095m", UINT_MAX, &v), 0);
        ck_assert_int_eq(size("4096m", UINT_MAX, &v), -ERANGE);
        ck_assert_int_eq(size("3g", UINT_MAX, &v), 0);
        ck_assert_int_eq(size("4g", UINT_MAX, &v), -ERANGE);
        ck_assert_int_eq(size("17179869183g", UINT64_MAX, &v), 0);
        ck_assert_int_eq(size("17179869184g", UINT64_MAX, &v), -ERANGE);
        ck_assert_int_eq(size("18446744073709551615", UINT64_MAX, &v), 0);
        ck_assert(v == UINT64_MAX);
        ck_assert_int_eq(size("18446744073709551616", UINT64_MAX, &v), -ERANGE);
        ck_assert_int_eq(size("1k", 1023, &v), -ERANGE);
        ck_assert_int_eq(size("1k", 1024, &v), 0);
        ck_assert_uint_eq(v, 1024);
}
END_TEST

START_TEST(test_size_syntax_errors)
{
        uint64_t v = 7;

        ck_assert_int_eq(size("", UINT64_MAX, &v), -EINVAL);
        ck_assert_str_eq(errbuf, "missing size value");
        ck_assert_int_eq(size("k", UINT64_MAX, &v), -EINVAL);
        ck_assert_str_eq(errbuf, "invalid size 'k': expected digits and an optional k, m or g");
        ck_assert_int_eq(size("10kb", UINT64_MAX, &v), -EINVAL);
        ck_assert_str_eq(errbuf, "unknown suffix 'kb' in size '10kb' (expected k, m or g)");
        ck_assert_int_eq(size("10t", UINT64_MAX, &v), -EINVAL);
        ck_assert_int_eq(size("10b", UINT64_MAX, &v), -EINVAL);
        ck_assert_int_eq(size("-1", UINT64_MAX, &v), -EINVAL);
        ck_assert_int_eq(size("+1", UINT64_MAX, &v), -EINVAL);
        ck_assert_int_eq(size("1 k", UINT64_MAX, &v), -EINVAL);
        ck_assert_int_eq(size("1.5k", UINT64_MAX, &v), -EINVAL);
        ck_assert_uint_eq(v, 7);
}
END_TEST

static void check_v4(const struct cfg_addr *a, const char *ip, uint16_t port)
{
        const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;
        char buf[INET_ADDRSTRLEN];

        ck_assert_int_eq(a->family, CFG_ADDR_IPV4);
        ck_assert_int_eq(sin->sin_family, AF_INET);
        ck_assert_uint_eq(a->ss_len, sizeof(*sin));
        ck_assert_ptr_nonnull(inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf)));
        ck_assert_str_eq(buf, ip);
        ck_assert_uint_eq(ntohs(sin->sin_port), port);
        ck_assert_uint_eq(a->port_low, port);
        ck_assert_int_eq(a->fd, -1);
}

static void check_v6(const struct cfg_addr *a, const char *ip, uint16_t port)
{
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;
        char buf[INET6_ADDRSTRLEN];

        ck_assert_int_eq(a->family, CFG_ADDR_IPV6);
        ck_assert_int_eq(sin6->sin6_family, AF_INET6);
        ck_assert_uint_eq(a->ss_len, sizeof(*sin6));
        ck_assert_ptr_nonnull(inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf)));
        ck_assert_str_eq(buf, ip);
        ck_assert_uint_eq(ntohs(sin6->sin6_port), port);
        ck_assert_uint_eq(a->port_low, port);
}

START_TEST(test_addr_ipv4)
{
        struct cfg_addr a;
        const unsigned req = CFG_ADDR_F_PORT_REQUIRED;

        ck_assert_int_eq(addr("192.168.1.10:8080", req, &a), 0);
        check_v4(&a, "192.168.1.10", 8080);
        ck_assert(a.has_port);
        ck_assert_uint_eq(a.port_high, 8080);
        ck_assert_int_eq(addr("*:80", req, &a), 0);
        check_v4(&a, "0.0.0.0", 80);
        ck_assert_int_eq(addr(":443", req, &a), 0);
        check_v4(&a, "0.0.0.0", 443);
        ck_assert_int_eq(addr("0.0.0.0:65535", req, &a), 0);
        check_v4(&a, "0.0.0.0", 65535);
        ck_assert_int_eq(addr("ipv4@127.0.0.1:1", req, &a), 0);
        check_v4(&a, "127.0.0.1", 1);
        ck_assert_int_eq(addr("ipv4@:80", req, &a), 0);
        check_v4(&a, "0.0.0.0", 80);
        ck_assert_int_eq(addr("ipv4@*:80", req, &a), 0);
        check_v4(&a, "0.0.0.0", 80);
}
END_TEST

START_TEST(test_addr_ipv6)
{
        struct cfg_addr a;
        const unsigned req = CFG_ADDR_F_PORT_REQUIRED;

        ck_assert_int_eq(addr("[::1]:80", req, &a), 0);
        check_v6(&a, "::1", 80);
        ck_assert_int_eq(addr("[2001:db8::5]:8443", req, &a), 0);
        check_v6(&a, "2001:db8::5", 8443);
        /* without brackets the last colon starts the port, as in HAProxy */
        ck_assert_int_eq(addr("::1:80", req, &a), 0);
        check_v6(&a, "::1", 80);
        ck_assert_int_eq(addr(":::80", req, &a), 0);
        check_v6(&a, "::", 80);
        ck_assert_int_eq(addr("2001:db8::5:443", req, &a), 0);
        check_v6(&a, "2001:db8::5", 443);
        ck_assert_int_eq(addr(":::1", 0, &a), 0);
        check_v6(&a, "::", 1);
        /* so a bare IPv6 address needs brackets, or a final ':' for "no port" */
        ck_assert_int_eq(addr("::1", 0, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "invalid IPv6 address ':'");
        ck_assert_int_eq(addr("2001:db8::1:", 0, &a), 0);
        check_v6(&a, "2001:db8::1", 0);
        ck_assert(!a.has_port);
        ck_assert_int_eq(addr("[::1]", 0, &a), 0);
        check_v6(&a, "::1", 0);
        ck_assert(!a.has_port);
        ck_assert_int_eq(addr("ipv6@:80", req, &a), 0);
        check_v6(&a, "::", 80);
        ck_assert_int_eq(addr("ipv6@*:80", req, &a), 0);
        check_v6(&a, "::", 80);
        ck_assert_int_eq(addr("ipv6@::1:80", req, &a), 0);
        check_v6(&a, "::1", 80);
        ck_assert_int_eq(addr("ipv6@[fe80::1]:80", req, &a), 0);
        check_v6(&a, "fe80::1", 80);
        ck_assert_int_eq(addr("[::ffff:1.2.3.4]:80", req, &a), 0);
        check_v6(&a, "::ffff:1.2.3.4", 80);
}
END_TEST

START_TEST(test_addr_ports)
{
        struct cfg_addr a;
        const unsigned req = CFG_ADDR_F_PORT_REQUIRED;

        ck_assert_int_eq(addr("10.0.0.1", 0, &a), 0);
        check_v4(&a, "10.0.0.1", 0);
        ck_assert(!a.has_port);
        ck_assert_int_eq(addr("10.0.0.1:", 0, &a), 0);
        ck_assert(!a.has_port);
        ck_assert_int_eq(addr("10.0.0.1:0", 0, &a), 0);
        ck_assert(a.has_port);
        ck_assert_uint_eq(a.port_low, 0);

        ck_assert_int_eq(addr("10.0.0.1", req, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "missing port in address '10.0.0.1'");
        ck_assert_int_eq(addr("10.0.0.1:", req, &a), -EINVAL);
        ck_assert_int_eq(addr("[::1]", req, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "missing port in address '[::1]'");
        ck_assert_int_eq(addr(":", req, &a), -EINVAL);
        ck_assert_int_eq(addr("10.0.0.1:0", req, &a), -ERANGE);
        ck_assert_str_eq(errbuf, "port '0' is out of range (1-65535)");
        ck_assert_int_eq(addr("10.0.0.1:65536", 0, &a), -ERANGE);
        ck_assert_str_eq(errbuf, "port '65536' is out of range (1-65535)");
        ck_assert_int_eq(addr("10.0.0.1:99999999999999999999999", 0, &a), -ERANGE);
        ck_assert_int_eq(addr("10.0.0.1:http", req, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "invalid port 'http'");
        ck_assert_int_eq(addr("10.0.0.1:+80", req, &a), -EINVAL);
        ck_assert_int_eq(addr("10.0.0.1: 80", req, &a), -EINVAL);
        ck_assert_int_eq(addr("10.0.0.1:80 ", req, &a), -EINVAL);
}
END_TEST

START_TEST(test_addr_port_ranges)
{
        struct cfg_addr a;
        const unsigned bind = CFG_ADDR_F_PORT_REQUIRED | CFG_ADDR_F_PORT_RANGE;

        ck_assert_int_eq(addr(":8000-8010", bind, &a), 0);
        ck_assert(a.has_port);
        ck_assert_uint_eq(a.port_low, 8000);
        ck_assert_uint_eq(a.port_high, 8010);
        check_v4(&a, "0.0.0.0", 8000);
        ck_assert_int_eq(addr("[::]:1-65535", bind, &a), 0);
        ck_assert_uint_eq(a.port_low, 1);
        ck_assert_uint_eq(a.port_high, 65535);
        ck_assert_int_eq(addr("1.2.3.4:80-80", bind, &a), 0);
        ck_assert_uint_eq(a.port_high, 80);

        ck_assert_int_eq(addr(":8000-8010", CFG_ADDR_F_PORT_REQUIRED, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "port range '8000-8010' is not allowed here");
        ck_assert_int_eq(addr(":90-80", bind, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "invalid port range '90-80': 90 is above 80");
        ck_assert_int_eq(addr(":0-80", bind, &a), -ERANGE);
        ck_assert_int_eq(addr(":80-", bind, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "invalid port ''");
        ck_assert_int_eq(addr(":-80", bind, &a), -EINVAL);
        ck_assert_int_eq(addr(":80-90-100", bind, &a), -EINVAL);
        ck_assert_int_eq(addr(":80-70000", bind, &a), -ERANGE);
}
END_TEST

START_TEST(test_addr_unix_abns_fd)
{
        const struct sockaddr_un *sun;
        char longpath[CFG_ADDR_PATH_MAX + 2];
        struct cfg_addr a;

        ck_assert_int_eq(addr("unix@/run/sluice.sock", CFG_ADDR_F_PORT_REQUIRED, &a), 0);
        sun = (const struct sockaddr_un *)&a.ss;
        ck_assert_int_eq(a.family, CFG_ADDR_UNIX);
        ck_assert_int_eq(sun->sun_family, AF_UNIX);
        ck_assert_str_eq(sun->sun_path, "/run/sluice.sock");
        ck_assert_str_eq(a.name, "/run/sluice.sock");
        ck_assert_uint_eq(a.ss_len, offsetof(struct sockaddr_un, sun_path) + 17);
        ck_assert(!a.has_port);

        ck_assert_int_eq(addr("/var/run/api.sock", 0, &a), 0);
        ck_assert_int_eq(a.family, CFG_ADDR_UNIX);
        ck_assert_str_eq(a.name, "/var/run/api.sock");
        ck_assert_int_eq(addr("unix@relative.sock", 0, &a), 0);
        ck_assert_str_eq(a.name, "relative.sock");

        ck_assert_int_eq(addr("abns@sluice-peers", 0, &a), 0);
        sun = (const struct sockaddr_un *)&a.ss;
        ck_assert_int_eq(a.family, CFG_ADDR_ABNS);
        ck_assert_int_eq(sun->sun_path[0], '\0');
        ck_assert_str_eq(sun->sun_path + 1, "sluice-peers");
        ck_assert_uint_eq(a.ss_len, sizeof(struct sockaddr_un));
        ck_assert_str_eq(a.name, "sluice-peers");

        ck_assert_int_eq(addr("fd@3", CFG_ADDR_F_PORT_REQUIRED, &a), 0);
        ck_assert_int_eq(a.family, CFG_ADDR_FD);
        ck_assert_int_eq(a.fd, 3);
        ck_assert_uint_eq(a.ss_len, 0);
        ck_assert_int_eq(addr("fd@0", 0, &a), 0);
        ck_assert_int_eq(a.fd, 0);
        ck_assert_int_eq(addr("fd@2147483647", 0, &a), 0);
        ck_assert_int_eq(a.fd, INT_MAX);

        memset(longpath, 'p', sizeof(longpath));
        longpath[0] = '/';
        longpath[CFG_ADDR_PATH_MAX] = '\0';
        ck_assert_int_eq(addr(longpath, 0, &a), 0);
        ck_assert_uint_eq(strlen(a.name), CFG_ADDR_PATH_MAX);
        longpath[CFG_ADDR_PATH_MAX] = 'p';
        longpath[CFG_ADDR_PATH_MAX + 1] = '\0';
        ck_assert_int_eq(addr(longpath, 0, &a), -ENAMETOOLONG);
        ck_assert_int_eq(cfg_parse_addr(sl_str_make("abns@", 5), 0, &a, NULL, 0), -EINVAL);
}
END_TEST

START_TEST(test_addr_family_errors)
{
        static const char nul_path[] = "unix@/a\0b";
        struct cfg_addr a;

        a.fd = 1234;
        ck_assert_int_eq(addr("", 0, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "missing address");
        ck_assert_int_eq(addr("unix@", 0, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "missing unix socket path after 'unix@'");
        ck_assert_int_eq(addr("abns@", 0, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "missing abstract socket name after 'abns@'");
        ck_assert_int_eq(cfg_parse_addr(sl_str_make(nul_path, sizeof(nul_path) - 1), 0, &a, errbuf,
                                        sizeof(errbuf)),
                         -EINVAL);
        ck_assert_str_eq(errbuf, "NUL byte in unix socket path '/a\\x00b'");
        ck_assert_int_eq(addr("fd@", 0, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "file descriptor '' after 'fd@' is not a valid number");
        ck_assert_int_eq(addr("fd@-1", 0, &a), -EINVAL);
        ck_assert_int_eq(addr("fd@3x", 0, &a), -EINVAL);
        ck_assert_int_eq(addr("fd@2147483648", 0, &a), -ERANGE);
        ck_assert_str_eq(errbuf, "file descriptor '2147483648' is out of range");
        ck_assert_int_eq(addr("udp@1.2.3.4:53", 0, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "unsupported address family 'udp@' in 'udp@1.2.3.4:53'");
        ck_assert_int_eq(addr("IPV4@1.2.3.4:53", 0, &a), -EINVAL);
        ck_assert_int_eq(addr("@1.2.3.4:53", 0, &a), -EINVAL);
        ck_assert_int_eq(a.fd, 1234);
}
END_TEST

START_TEST(test_addr_host_errors)
{
        struct cfg_addr a;
        const unsigned req = CFG_ADDR_F_PORT_REQUIRED;

        ck_assert_int_eq(addr("1.2.3.256:80", req, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "invalid IPv4 address '1.2.3.256'");
        ck_assert_int_eq(addr("1.2.3:80", req, &a), -EINVAL);
        ck_assert_int_eq(addr("[1.2.3.4]:80", req, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "invalid IPv6 address '1.2.3.4'");
        ck_assert_int_eq(addr("[::1:80", req, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "missing ']' in address '[::1:80'");
        ck_assert_int_eq(addr("[::1]80", req, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "unexpected '80' after ']' in address '[::1]80'");
        ck_assert_int_eq(addr("[]:80", req, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "missing IPv6 address between brackets in '[]:80'");
        ck_assert_int_eq(addr("fe80::1%eth0:80", req, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "invalid IPv6 address 'fe80::1%eth0'");
        ck_assert_int_eq(addr("::", 0, &a), -EINVAL);
        ck_assert_int_eq(addr("ipv4@::1:80", req, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "'::1' is not an IPv4 address (prefix 'ipv4@')");
        ck_assert_int_eq(addr("ipv4@[::1]:80", req, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "brackets in IPv4 address 'ipv4@[::1]:80' (they are for IPv6)");
        ck_assert_int_eq(addr("ipv6@1.2.3.4:80", req, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "'1.2.3.4' is not an IPv6 address (prefix 'ipv6@')");
        ck_assert_int_eq(addr("a b:80", req, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "invalid address 'a b'");
        ck_assert_int_eq(addr("\x01:80", req, &a), -EINVAL);
        ck_assert_str_eq(errbuf, "invalid address '\\x01'");
}
END_TEST

START_TEST(test_addr_hostnames)
{
        struct cfg_addr a;
        char longname[300];
        const unsigned req = CFG_ADDR_F_PORT_REQUIRED;

        ck_assert_int_eq(addr("backend1.example.com:80", req, &a), -EADDRNOTAVAIL);
        ck_assert_str_eq(errbuf, "hostname 'backend1.example.com' needs resolution");
        ck_assert_int_eq(addr("localhost", 0, &a), -EADDRNOTAVAIL);
        ck_assert_str_eq(errbuf, "hostname 'localhost' needs resolution");

        ck_assert_int_eq(addr("backend1.example.com:80", req | CFG_ADDR_F_NAME_OK, &a), 0);
        ck_assert_int_eq(a.family, CFG_ADDR_NAME);
        ck_assert_str_eq(a.name, "backend1.example.com");
        ck_assert(a.has_port);
        ck_assert_uint_eq(a.port_low, 80);
        ck_assert_int_eq(a.ss.ss_family, AF_UNSPEC);
        ck_assert_uint_eq(a.ss_len, 0);
        ck_assert_int_eq(addr("ipv6@db_1", CFG_ADDR_F_NAME_OK, &a), 0);
        ck_assert_int_eq(a.ss.ss_family, AF_INET6);
        ck_assert(!a.has_port);
        ck_assert_int_eq(addr("ipv4@db-1:5432", CFG_ADDR_F_NAME_OK, &a), 0);
        ck_assert_int_eq(a.ss.ss_family, AF_INET);
        ck_assert_str_eq(a.name, "db-1");
        /* the port is checked before the name is considered */
        ck_assert_int_eq(addr("db:0", req | CFG_ADDR_F_NAME_OK, &a), -ERANGE);
        ck_assert_int_eq(addr("db", req | CFG_ADDR_F_NAME_OK, &a), -EINVAL);

        memset(longname, 'a', sizeof(longname));
        longname[255] = '\0';
        ck_assert_int_eq(addr(longname, CFG_ADDR_F_NAME_OK, &a), 0);
        ck_assert_uint_eq(strlen(a.name), 255);
        longname[255] = 'a';
        longname[256] = '\0';
        ck_assert_int_eq(addr(longname, CFG_ADDR_F_NAME_OK, &a), -ENAMETOOLONG);
}
END_TEST

START_TEST(test_errbuf_truncation)
{
        char small[8];
        uint32_t ms;

        ck_assert_int_eq(cfg_parse_time(SL_STR_LIT("1x"), CFG_TIME_MS, &ms, small, sizeof(small)),
                         -EINVAL);
        ck_assert_str_eq(small, "unknown");
        ck_assert_int_eq(cfg_parse_time(SL_STR_LIT("1x"), CFG_TIME_MS, &ms, NULL, 0), -EINVAL);
        ck_assert_int_eq(
                cfg_parse_size(SL_STR_LIT("123456789012345678901234567890123456789012345678901234"
                                          "567890123456789012345678901234567890x"),
                               UINT64_MAX, &(uint64_t){0}, errbuf, sizeof(errbuf)),
                -ERANGE);
        ck_assert_ptr_nonnull(strstr(errbuf, "...' is too large"));
}
END_TEST

int main(void)
{
        Suite *s = suite_create("config/units");
        TCase *tc_time = tcase_create("time");
        TCase *tc_size = tcase_create("size");
        TCase *tc_addr = tcase_create("addr");

        tcase_add_test(tc_time, test_time_units);
        tcase_add_test(tc_time, test_time_default_unit);
        tcase_add_test(tc_time, test_time_range);
        tcase_add_test(tc_time, test_time_syntax_errors);
        tcase_add_test(tc_time, test_time_view_not_terminated);
        tcase_add_test(tc_time, test_errbuf_truncation);
        suite_add_tcase(s, tc_time);

        tcase_add_test(tc_size, test_size);
        tcase_add_test(tc_size, test_size_range);
        tcase_add_test(tc_size, test_size_syntax_errors);
        suite_add_tcase(s, tc_size);

        tcase_add_test(tc_addr, test_addr_ipv4);
        tcase_add_test(tc_addr, test_addr_ipv6);
        tcase_add_test(tc_addr, test_addr_ports);
        tcase_add_test(tc_addr, test_addr_port_ranges);
        tcase_add_test(tc_addr, test_addr_unix_abns_fd);
        tcase_add_test(tc_addr, test_addr_family_errors);
        tcase_add_test(tc_addr, test_addr_host_errors);
        tcase_add_test(tc_addr, test_addr_hostnames);
        suite_add_tcase(s, tc_addr);
        return unit_run(s);
}
