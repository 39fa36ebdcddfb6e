package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
	"unsafe"

	"github.com/nauta/nauta/internal/apischeme"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/runtime"
)

// defaultFutureWait bounds how long a read that asks for a revision etcd has
// not reached yet waits before ErrTooLargeResourceVersion.
const defaultFutureWait = time.Second

// probeKey is read (never written) to learn etcd's current revision.
const probeKey = "/registry/\x00current-revision-probe"

// Store implements Interface directly on etcd v3 for every type known to
// apischeme.Scheme. It is safe for concurrent use; one Store can serve many
// resources because callers pass typed objects.
type Store struct {
	client *clientv3.Client
	codec  *codec
	logger *slog.Logger
	// futureWait is how long reads wait for etcd to reach a requested
	// revision.
	futureWait time.Duration
	// leases, when set, attaches written keys to expiring leases (WithTTL).
	leases *leaseManager
}

var _ Interface = (*Store)(nil)

// NewStore returns a Store on client.
func NewStore(client *clientv3.Client) *Store {
	return &Store{
		client:     client,
		codec:      newCodec(apischeme.Scheme),
		logger:     slog.Default().With("component", "storage"),
		futureWait: defaultFutureWait,
	}
}

// Create stores obj at key if the key does not exist yet.
func (s *Store) Create(ctx context.Context, key string, obj, out runtime.Object) (err error) {
	defer observe("create", key, time.Now(), &err)
	data, err := s.codec.encode(obj)
	if err != nil {
		return err
	}
	resp, err := s.putTxn(ctx, key, data, clientv3.Compare(clientv3.CreateRevision(key), "=", 0))
	if err != nil {
		return fmt.Errorf("etcd create %q: %w", key, err)
	}
	if !resp.Succeeded {
		return NewError(ErrKeyExists, key, 0, "")
	}
	// obj is what a read of data would return; out takes it over (the
	// caller hands obj to the store and uses out from here on).
	return s.codec.adopt(out, obj, resp.Header.Revision)
}

// Get reads key into out.
func (s *Store) Get(ctx context.Context, key string, opts GetOptions, out runtime.Object) (err error) {
	defer observe("get", key, time.Now(), &err)
	minRev, err := ParseResourceVersion(opts.ResourceVersion)
	if err != nil {
		return err
	}
	if err := s.waitForRevision(ctx, key, minRev); err != nil {
		return err
	}
	var getOpts []clientv3.OpOption
	if opts.ResourceVersion == "0" {
		getOpts = append(getOpts, clientv3.WithSerializable())
	}
	resp, err := s.client.Get(ctx, key, getOpts...)
	if err != nil {
		return fmt.Errorf("etcd get %q: %w", key, err)
	}
	if len(resp.Kvs) == 0 {
		if opts.IgnoreNotFound {
			zero(out)
			return nil
		}
		return NewError(ErrKeyNotFound, key, 0, "")
	}
	kv := resp.Kvs[0]
	return s.decodeInto(kv.Value, kv.ModRevision, out)
}

// CurrentResourceVersion returns etcd's newest revision (a quorum read of a
// key that never exists).
func (s *Store) CurrentResourceVersion(ctx context.Context) (uint64, error) {
	rev, err := s.currentRevision(ctx)
	return uint64(rev), err
}

func (s *Store) currentRevision(ctx context.Context) (int64, error) {
	resp, err := s.client.Get(ctx, probeKey, clientv3.WithCountOnly())
	if err != nil {
		return 0, fmt.Errorf("etcd current revision: %w", err)
	}
	return resp.Header.Revision, nil
}

// waitForRevision returns once etcd's revision is at least rev, or
// ErrTooLargeResourceVersion after futureWait.
func (s *Store) waitForRevision(ctx context.Context, key string, rev int64) error {
	if rev == 0 {
		return nil
	}
	deadline := time.Now().Add(s.futureWait)
	delay := 10 * time.Millisecond
	for {
		cur, err := s.currentRevision(ctx)
		if err != nil {
			return err
		}
		if cur >= rev {
			return nil
		}
		if time.Now().Add(delay).After(deadline) {
			return NewError(ErrTooLargeResourceVersion, key, rev, tooLargeDetail(rev, cur))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 200*time.Millisecond)
	}
}

// decodeInto decodes stored data at revision rev into out.
func (s *Store) decodeInto(data []byte, rev int64, out runtime.Object) error {
	obj, err := s.codec.decode(data, rev)
	if err != nil {
		return err
	}
	return s.codec.copyInto(out, obj)
}

// readErr maps etcd errors of a read at a fixed revision to storage kinds.
func readErr(key string, rev int64, err error, tooOldDetail string) error {
	switch {
	case errors.Is(err, rpctypes.ErrCompacted):
		return NewError(ErrTooOldResourceVersion, key, rev, tooOldDetail)
	case errors.Is(err, rpctypes.ErrFutureRev):
		return NewError(ErrTooLargeResourceVersion, key, rev, fmt.Sprintf("Too large resource version: %d", rev))
	}
	return fmt.Errorf("etcd range %q: %w", key, err)
}

// putTxn commits a transaction that puts data at key if cmp holds, else
// runs orElse. When s expires keys the put carries a lease; a lease etcd
// no longer knows (revoked, or lost with its data) is replaced once.
func (s *Store) putTxn(ctx context.Context, key string, data []byte, cmp clientv3.Cmp, orElse ...clientv3.Op) (*clientv3.TxnResponse, error) {
	for attempt := 0; ; attempt++ {
		var opts []clientv3.OpOption
		var lease clientv3.LeaseID
		if s.leases != nil {
			var err error
			if lease, err = s.leases.lease(ctx); err != nil {
				return nil, err
			}
			opts = append(opts, clientv3.WithLease(lease))
		}
		// OpPut copies its value; data, a fresh encoding nobody changes,
		// need not be copied into a string first.
		value := unsafe.String(unsafe.SliceData(data), len(data))
		resp, err := s.client.Txn(ctx).If(cmp).Then(clientv3.OpPut(key, value, opts...)).Else(orElse...).Commit()
		if err != nil && lease != 0 && attempt == 0 && isLeaseNotFound(err) {
			s.leases.forget(lease)
			continue
		}
		return resp, err
	}
}

func isLeaseNotFound(err error) bool {
	return rpctypes.ErrorDesc(err) == rpctypes.ErrorDesc(rpctypes.ErrGRPCLeaseNotFound)
}
