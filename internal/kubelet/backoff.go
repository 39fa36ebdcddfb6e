package kubelet

import (
	"sync"
	"time"
)

// backoff tracks restart (or pull) delays per key: the first retry is free,
// then the delay starts at initial and doubles up to max. A container that
// ran for resetAfter before failing starts again at initial.
type backoff struct {
	initial, max time.Duration
	mu           sync.Mutex
	delays       map[string]time.Duration
	last         map[string]time.Time
}

const backoffResetAfter = 10 * time.Minute

func newBackoff(initial, max time.Duration) *backoff {
	return &backoff{initial: initial, max: max, delays: map[string]time.Duration{}, last: map[string]time.Time{}}
}

// wait is how long key must still wait after its last failure (zero when it
// may go now).
func (b *backoff) wait(key string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	d, ok := b.delays[key]
	if !ok {
		return 0
	}
	if left := b.last[key].Add(d).Sub(now); left > 0 {
		return left
	}
	return 0
}

// next records a failure of key at failedAt; ranFor is how long the failed
// attempt lasted (a long one resets the delay).
func (b *backoff) next(key string, failedAt time.Time, ranFor time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	d, ok := b.delays[key]
	switch {
	case !ok || ranFor >= backoffResetAfter:
		d = b.initial
	default:
		d *= 2
		if d > b.max {
			d = b.max
		}
	}
	b.delays[key] = d
	b.last[key] = failedAt
}

// forget drops every key with prefix (a pod's).
func (b *backoff) forgetPrefix(prefix string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k := range b.delays {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			delete(b.delays, k)
			delete(b.last, k)
		}
	}
}

// waitSince is how long key must still wait after an event at since (the
// finish time of the container that would be restarted).
func (b *backoff) waitSince(key string, since, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	d, ok := b.delays[key]
	if !ok {
		return 0
	}
	if left := since.Add(d).Sub(now); left > 0 {
		return left
	}
	return 0
}

// current is key's present delay.
func (b *backoff) current(key string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.delays[key]
}
