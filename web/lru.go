package web

import (
	"container/list"
	"sync"
)

// lru keeps at most max values by key, forgetting the least recently used
// one when a new key comes: the memory of per-address and per-account state
// stays bounded under a flood of new keys, and a flood never forgets the
// keys still in use.
type lru[V any] struct {
	mu    sync.Mutex
	max   int
	order *list.List // of *lruEntry[V], most recent first
	keys  map[string]*list.Element
}

type lruEntry[V any] struct {
	key string
	val V
}

func newLRU[V any](max int) *lru[V] {
	return &lru[V]{max: max, order: list.New(), keys: map[string]*list.Element{}}
}

// get returns the value of key, made by mk if key is not kept.
func (c *lru[V]) get(key string, mk func() V) V {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.keys[key]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*lruEntry[V]).val
	}
	if c.order.Len() >= c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.keys, last.Value.(*lruEntry[V]).key)
	}
	v := mk()
	c.keys[key] = c.order.PushFront(&lruEntry[V]{key: key, val: v})
	return v
}

func (c *lru[V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
