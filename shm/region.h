#pragma once
/* Shared-memory regions: a memfd created by the master, sized once, sealed against resizing
 * and mapped MAP_SHARED. Workers inherit the mapping across fork(); a re-executed master maps
 * it again from the inherited fd. Every region starts with a versioned header so a mapping
 * of the wrong kind, layout or definition is refused rather than misread. Structures inside
 * a region use offsets from its base, never pointers. */

#include <stddef.h>
#include <stdint.h>

#define SHM_REGION_MAGIC    0x534c5348u /* "SLSH" */
#define SHM_REGION_LAYOUT   1u          /* bump when struct shm_region_hdr changes */
#define SHM_REGION_KIND_MAX 32

/* 128 bytes, two cache lines; spare room for later fields without a layout change. */
struct shm_region_hdr {
        uint32_t magic;                 /* SHM_REGION_MAGIC */
        uint16_t layout;                /* SHM_REGION_LAYOUT */
        uint16_t hdr_size;              /* sizeof(struct shm_region_hdr) */
        uint64_t size;                  /* bytes of the whole mapping, header included */
        uint64_t definition;            /* caller's hash of what the payload means (reuse test) */
        char kind[SHM_REGION_KIND_MAX]; /* NUL-terminated, e.g. "stick-table" */
        uint8_t spare[72];
};

struct shm_region {
        int fd;                     /* owned; the memfd */
        struct shm_region_hdr *hdr; /* owned mapping of @size bytes */
        size_t size;
};

/* Create a region of @payload bytes (rounded up to pages, header added) for @kind, stamped
 * with @definition. The payload is zero-filled. Returns 0 and *ret_region, or -errno. */
int shm_region_create(const char *kind, uint64_t definition, size_t payload,
                      struct shm_region **ret_region);

/* Map the region held by @fd (inherited across exec) and check its header against @kind and
 * @definition. Takes ownership of @fd on success only. Returns 0, -EPROTO for a header of
 * another kind, layout or definition, or -errno. */
int shm_region_open(int fd, const char *kind, uint64_t definition, struct shm_region **ret_region);

/* Unmap and close; accepts NULL; returns NULL. */
struct shm_region *shm_region_free(struct shm_region *r);

/* Start of the payload (after the header) and its size in bytes. */
void *shm_region_payload(const struct shm_region *r);
size_t shm_region_payload_size(const struct shm_region *r);
