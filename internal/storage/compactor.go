package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// CompactRevKey is the etcd key API servers use to agree on compaction: its
// value is the revision compacted to and its version counts compactions.
const CompactRevKey = "compact_rev_key"

// Compactor compacts etcd history periodically, keeping at least one
// interval of history so watches and paged lists can resume. Under heavy
// churn it also bounds the history by revisions: etcd keeps every deleted
// key in memory and in its database until compaction, so thousands of
// writes a second would otherwise hold minutes of dead objects.
type Compactor struct {
	client   *clientv3.Client
	interval time.Duration
	// maxRevisions, when positive, is how much history may build up beyond
	// the last compaction before compacting early, down to half of it.
	maxRevisions int64
	// checkEvery is how often the revision bound is checked.
	checkEvery time.Duration
	logger     *slog.Logger
}

// NewCompactor returns a Compactor that runs every interval.
func NewCompactor(client *clientv3.Client, interval time.Duration) *Compactor {
	return &Compactor{
		client:     client,
		interval:   interval,
		checkEvery: 10 * time.Second,
		logger:     slog.Default().With("component", "compactor"),
	}
}

// WithMaxRevisions makes the compactor also compact whenever more than max
// revisions were written since the last compaction, keeping the newest
// max/2. Watchers of the API server resume from its watch cache, whose
// window is far shorter; the etcd history beyond it only serves paged list
// continuations and exact-revision reads, which get 410 Gone and relist
// when it is gone, as after any compaction.
func (c *Compactor) WithMaxRevisions(max int64) *Compactor {
	c.maxRevisions = max
	return c
}

// Start compacts every interval until ctx is done, then returns nil.
//
// Each tick records etcd's current revision and compacts to the revision
// recorded at the previous tick. Several API servers share the work through
// a compare-and-swap on CompactRevKey's version: only the server whose view
// of that version is current wins the tick's txn and compacts; the others
// adopt the winner's version and revision and try again next tick.
//
// With a revision bound, a check every few seconds compacts
// early, through the same compare-and-swap, when the bound is exceeded.
func (c *Compactor) Start(ctx context.Context) error {
	ticker := time.NewTicker(c.interval)
	defer ticker.Stop()
	var check <-chan time.Time
	if c.maxRevisions > 0 {
		t := time.NewTicker(min(c.checkEvery, c.interval))
		defer t.Stop()
		check = t.C
	}
	var version, rev int64
	for {
		var err error
		v, r := version, rev
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			v, r, err = c.compact(ctx, version, rev)
		case <-check:
			v, err = c.compactIfOverBound(ctx, version)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			c.logger.Warn("etcd compaction failed", "revision", rev, "err", err)
			continue
		}
		version, rev = v, r
	}
}

// compactIfOverBound compacts to the newest revision minus maxRevisions/2
// when more than maxRevisions were written since the last compaction. It
// returns the CompactRevKey version to use next.
func (c *Compactor) compactIfOverBound(ctx context.Context, version int64) (int64, error) {
	resp, err := c.client.Get(ctx, CompactRevKey)
	if err != nil {
		return version, fmt.Errorf("reading %s: %w", CompactRevKey, err)
	}
	var compacted int64
	if len(resp.Kvs) > 0 {
		compacted, _ = strconv.ParseInt(string(resp.Kvs[0].Value), 10, 64)
	}
	head := resp.Header.Revision
	if head-compacted <= c.maxRevisions {
		return version, nil
	}
	target := head - c.maxRevisions/2
	v, _, err := c.compact(ctx, version, target)
	if err == nil && v == version+1 {
		c.logger.Info("history over its revision bound", "head", head, "lastCompacted", compacted)
	}
	return v, err
}

// compact claims this tick with a txn on CompactRevKey's version and, when
// it wins and a previous revision is known, compacts to prevRev. It returns
// the version and the revision to use on the next tick.
func (c *Compactor) compact(ctx context.Context, version, prevRev int64) (int64, int64, error) {
	resp, err := c.client.Txn(ctx).
		If(clientv3.Compare(clientv3.Version(CompactRevKey), "=", version)).
		Then(clientv3.OpPut(CompactRevKey, strconv.FormatInt(prevRev, 10))).
		Else(clientv3.OpGet(CompactRevKey)).
		Commit()
	if err != nil {
		return version, prevRev, fmt.Errorf("compaction txn: %w", err)
	}
	curRev := resp.Header.Revision
	if !resp.Succeeded {
		kvs := resp.Responses[0].GetResponseRange().Kvs
		if len(kvs) == 0 {
			return 0, curRev, nil
		}
		c.logger.Debug("another server compacts this interval", "version", kvs[0].Version)
		return kvs[0].Version, curRev, nil
	}
	version++
	if prevRev == 0 {
		// First tick: nothing recorded yet to compact to.
		return version, curRev, nil
	}
	if _, err := c.client.Compact(ctx, prevRev); err != nil {
		if errors.Is(err, rpctypes.ErrCompacted) {
			return version, curRev, nil
		}
		return version, curRev, fmt.Errorf("compact to %d: %w", prevRev, err)
	}
	c.logger.Info("compacted etcd", "revision", prevRev)
	return version, curRev, nil
}
