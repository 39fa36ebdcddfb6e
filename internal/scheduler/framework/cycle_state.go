package framework

import (
	"errors"
	"sync"
)

// ErrNotFound is returned by CycleState.Read for a missing key.
var ErrNotFound = errors.New("not found in cycle state")

// StateData is something a plugin keeps for one scheduling cycle.
type StateData interface {
	Clone() StateData
}

// CycleState carries plugin data through one scheduling cycle. Filter and
// Score read it from many goroutines at once, so reads must not contend:
// it is a sync.Map.
type CycleState struct {
	data sync.Map // string → StateData
	// SkipFilter and SkipScore name the plugins whose PreFilter/PreScore
	// returned Skip. They are written only by the sequential PreFilter and
	// PreScore runs.
	SkipFilter map[string]bool
	SkipScore  map[string]bool
	// filters are the Filter plugins that run this cycle (set after
	// PreFilter).
	filters []FilterPlugin
}

// NewCycleState returns an empty state.
func NewCycleState() *CycleState {
	return &CycleState{SkipFilter: map[string]bool{}, SkipScore: map[string]bool{}}
}

// Write stores data under key.
func (c *CycleState) Write(key string, d StateData) { c.data.Store(key, d) }

// Read returns the data under key or ErrNotFound.
func (c *CycleState) Read(key string) (StateData, error) {
	d, ok := c.data.Load(key)
	if !ok {
		return nil, ErrNotFound
	}
	return d.(StateData), nil
}

// Clone copies the state (each StateData cloned).
func (c *CycleState) Clone() *CycleState {
	n := NewCycleState()
	c.data.Range(func(k, v any) bool {
		n.data.Store(k, v.(StateData).Clone())
		return true
	})
	for k, v := range c.SkipFilter {
		n.SkipFilter[k] = v
	}
	for k, v := range c.SkipScore {
		n.SkipScore[k] = v
	}
	n.filters = c.filters
	return n
}
