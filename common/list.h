#pragma once
/* Intrusive circular doubly linked list (kernel list_head). A struct sl_list is either a list
 * head or a link embedded in an element; an initialised, unlinked link points to itself, so
 * sl_list_del() is idempotent and sl_list_linked() tells whether an element is in a list. */

#include <stdbool.h>

#include "macros.h"

struct sl_list {
        struct sl_list *next, *prev;
};

#define SL_LIST_INIT(name)       \
        {                        \
                &(name), &(name) \
        }

static inline void sl_list_init(struct sl_list *l)
{
        l->next = l;
        l->prev = l;
}

static inline bool sl_list_empty(const struct sl_list *head)
{
        return head->next == head;
}

static inline bool sl_list_linked(const struct sl_list *link)
{
        return link->next != link;
}

static inline void sl_list__insert(struct sl_list *e, struct sl_list *prev, struct sl_list *next)
{
        next->prev = e;
        e->next = next;
        e->prev = prev;
        prev->next = e;
}

/* Insert @e at the front of @head. @e must not be linked. */
static inline void sl_list_push_front(struct sl_list *head, struct sl_list *e)
{
        sl_list__insert(e, head, head->next);
}

/* Insert @e at the back of @head. @e must not be linked. */
static inline void sl_list_push_back(struct sl_list *head, struct sl_list *e)
{
        sl_list__insert(e, head->prev, head);
}

/* Unlink @e from whatever list holds it; a no-op for an unlinked (self-pointing) element. */
static inline void sl_list_del(struct sl_list *e)
{
        e->next->prev = e->prev;
        e->prev->next = e->next;
        sl_list_init(e);
}

#define sl_list_entry(ptr, type, member) sl_container_of(ptr, type, member)

#define sl_list_first(head, type, member) sl_list_entry((head)->next, type, member)

#define sl_list_for_each(pos, head) for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

/* Safe against removal of @pos inside the body. */
#define sl_list_for_each_safe(pos, tmp, head)                            \
        for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); \
             (pos) = (tmp), (tmp) = (pos)->next)
