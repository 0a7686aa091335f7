/* memfd-backed shared regions; the master creates them before forking workers, and a
 * re-executed master reopens them from inherited fds (master/reload). */
#include "region.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macros.h"

_Static_assert(sizeof(struct shm_region_hdr) == 128, "shm header layout");

static size_t region_round_up(size_t n)
{
        size_t page = (size_t)sysconf(_SC_PAGESIZE);

        return (n + page - 1) / page * page;
}

static int region_map(int fd, size_t size, struct shm_region **ret_region)
{
        struct shm_region *r = NULL;
        void *p;

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
                int err = -errno;

                free(r);
                return err;
        }
        r->fd = fd;
        r->hdr = p;
        r->size = size;
        *ret_region = r;
        return 0;
}

int shm_region_create(const char *kind, uint64_t definition, size_t payload,
                      struct shm_region **ret_region)
{
        struct shm_region *r = NULL;
        size_t size;
        int fd, err;

        if (strlen(kind) >= SHM_REGION_KIND_MAX)
                return -ENAMETOOLONG;
        if (payload > SIZE_MAX / 2)
                return -EFBIG;
        size = region_round_up(sizeof(struct shm_region_hdr) + payload);

        fd = memfd_create(kind, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd == -1)
                return -errno;
        if (ftruncate(fd, (off_t)size) == -1)
                goto err_errno;
        /* Size is fixed for the region's life: a shrink would SIGBUS every mapper. */
        if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) == -1)
                goto err_errno;
        err = region_map(fd, size, &r);
        if (err < 0)
                goto err_close;

        r->hdr->layout = SHM_REGION_LAYOUT;
        r->hdr->hdr_size = sizeof(struct shm_region_hdr);
        r->hdr->size = size;
        r->hdr->definition = definition;
        memcpy(r->hdr->kind, kind, strlen(kind) + 1);
        /* The magic goes last: a reader that sees it sees a complete header. */
        __atomic_store_n(&r->hdr->magic, SHM_REGION_MAGIC, __ATOMIC_RELEASE);
        *ret_region = r;
        return 0;

err_errno:
        err = -errno;
err_close:
        close(fd);
        return err;
}

int shm_region_open(int fd, const char *kind, uint64_t definition, struct shm_region **ret_region)
{
        struct shm_region *r = NULL;
        struct stat st;
        int err;

        if (fstat(fd, &st) == -1)
                return -errno;
        if ((size_t)st.st_size < sizeof(struct shm_region_hdr))
                return -EPROTO;
        err = region_map(fd, (size_t)st.st_size, &r);
        if (err < 0)
                return err;
        if (__atomic_load_n(&r->hdr->magic, __ATOMIC_ACQUIRE) != SHM_REGION_MAGIC ||
            r->hdr->layout != SHM_REGION_LAYOUT ||
            r->hdr->hdr_size != sizeof(struct shm_region_hdr) || r->hdr->size != r->size ||
            r->hdr->definition != definition ||
            strncmp(r->hdr->kind, kind, SHM_REGION_KIND_MAX) != 0) {
                r->fd = -1; /* not ours until we succeed */
                (void)shm_region_free(r);
                return -EPROTO;
        }
        *ret_region = r;
        return 0;
}

struct shm_region *shm_region_free(struct shm_region *r)
{
        if (!r)
                return NULL;
        if (r->hdr)
                (void)munmap(r->hdr, r->size);
        if (r->fd >= 0)
                close(r->fd);
        free(r);
        return NULL;
}

void *shm_region_payload(const struct shm_region *r)
{
        return (char *)r->hdr + sizeof(struct shm_region_hdr);
}

size_t shm_region_payload_size(const struct shm_region *r)
{
        return r->size - sizeof(struct shm_region_hdr);
}
