package cacher

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nauta/nauta/internal/storage"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// Defaults of the optional Config fields.
const (
	DefaultCapacity         = 1000
	DefaultEventFreshness   = 75 * time.Second
	DefaultBookmarkInterval = time.Minute
	DefaultWatcherBuffer    = 256
	DefaultDispatchTimeout  = 100 * time.Millisecond
	DefaultWaitTimeout      = 3 * time.Second
)

// Config describes one watch cache.
type Config struct {
	// Store is where writes, consistent reads and the one underlying watch
	// go (normally a *storage.Store).
	Store storage.Interface
	// Prefix is the storage prefix cached, e.g. "/registry/pods".
	Prefix string
	// NewFunc and NewListFunc make empty objects of the stored type.
	NewFunc     func() runtime.Object
	NewListFunc func() runtime.Object
	// Attrs returns the labels and selectable fields of an object (the
	// kind's Strategy.Attrs). Nil means labels plus metadata.name and
	// metadata.namespace. The labels must be the object's metadata labels:
	// label-only selectors read those directly, and Attrs is called only
	// for field selectors (its result is not cached per object).
	Attrs storage.AttrFunc
	// KeyFunc returns the storage key of an object. Nil means
	// Prefix/namespace/name, or Prefix/name for cluster-scoped objects.
	KeyFunc func(obj runtime.Object) (string, error)

	// Capacity is how many recent events are kept for watches that resume
	// from a resourceVersion. Events younger than EventFreshness are kept
	// beyond Capacity, up to 10*Capacity, so bursts do not expire watchers
	// that are only seconds behind.
	Capacity       int
	EventFreshness time.Duration
	// BookmarkInterval is how often watchers that allow bookmarks get one.
	BookmarkInterval time.Duration
	// WatcherBuffer is how many events may wait for a watcher before it
	// counts as slow.
	WatcherBuffer int
	// DispatchTimeout is how long an event waits, in total, for watchers
	// whose buffer is full before those watchers are closed.
	DispatchTimeout time.Duration
	// WaitTimeout bounds how long a request waits for the cache to become
	// ready or to reach a requested resourceVersion.
	WaitTimeout time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

func (cfg Config) withDefaults() (Config, error) {
	if cfg.Store == nil || cfg.NewFunc == nil || cfg.NewListFunc == nil || cfg.Prefix == "" {
		return cfg, fmt.Errorf("cacher config needs Store, Prefix, NewFunc and NewListFunc")
	}
	if !strings.HasSuffix(cfg.Prefix, "/") {
		cfg.Prefix += "/"
	}
	if cfg.Attrs == nil {
		cfg.Attrs = defaultAttrs
	}
	if cfg.KeyFunc == nil {
		prefix := cfg.Prefix
		cfg.KeyFunc = func(obj runtime.Object) (string, error) { return defaultKey(prefix, obj) }
	}
	if cfg.Capacity <= 0 {
		cfg.Capacity = DefaultCapacity
	}
	if cfg.EventFreshness <= 0 {
		cfg.EventFreshness = DefaultEventFreshness
	}
	if cfg.BookmarkInterval <= 0 {
		cfg.BookmarkInterval = DefaultBookmarkInterval
	}
	if cfg.WatcherBuffer <= 0 {
		cfg.WatcherBuffer = DefaultWatcherBuffer
	}
	if cfg.DispatchTimeout <= 0 {
		cfg.DispatchTimeout = DefaultDispatchTimeout
	}
	if cfg.WaitTimeout <= 0 {
		cfg.WaitTimeout = DefaultWaitTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Logger = cfg.Logger.With("component", "cacher", "prefix", cfg.Prefix)
	return cfg, nil
}

func defaultAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, nil, err
	}
	return labels.Set(m.GetLabels()), fields.Set{
		"metadata.name":      m.GetName(),
		"metadata.namespace": m.GetNamespace(),
	}, nil
}

func defaultKey(prefix string, obj runtime.Object) (string, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return "", err
	}
	if m.GetName() == "" {
		return "", fmt.Errorf("object %T has no name", obj)
	}
	if ns := m.GetNamespace(); ns != "" {
		return prefix + ns + "/" + m.GetName(), nil
	}
	return prefix + m.GetName(), nil
}
