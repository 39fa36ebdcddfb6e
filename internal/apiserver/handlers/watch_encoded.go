package handlers

import (
	"sync"

	"k8s.io/apimachinery/pkg/runtime"
)

// encodedObjectsSize bounds how many encodings an endpoint remembers: enough
// for a burst of events to reach every watcher before falling out.
const encodedObjectsSize = 256

// encodedObjects remembers the serialized form of objects recently sent to
// watchers. The watch cache hands every watcher of an event the same
// object, so a thousand watchers cost one encoding instead of a thousand.
// Keys hold the object itself, so an address is never reused while cached.
type encodedObjects struct {
	mu      sync.Mutex
	entries map[encodedKey][]byte
	ring    []encodedKey
	next    int
}

type encodedKey struct {
	obj       runtime.Object
	mediaType string
}

func newEncodedObjects() *encodedObjects {
	return &encodedObjects{
		entries: map[encodedKey][]byte{},
		ring:    make([]encodedKey, encodedObjectsSize),
	}
}

// get returns the remembered encoding of obj in mediaType. The bytes are
// shared: callers must not change them.
func (c *encodedObjects) get(obj runtime.Object, mediaType string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.entries[encodedKey{obj, mediaType}]
	return b, ok
}

// put remembers b (which the cache now owns) as obj's encoding, evicting
// the oldest entry when full.
func (c *encodedObjects) put(obj runtime.Object, mediaType string, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := encodedKey{obj, mediaType}
	if _, ok := c.entries[key]; ok {
		return
	}
	if old := c.ring[c.next]; old.obj != nil {
		delete(c.entries, old)
	}
	c.ring[c.next] = key
	c.next = (c.next + 1) % len(c.ring)
	c.entries[key] = b
}
