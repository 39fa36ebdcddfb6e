package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// maxPageSize caps how many keys one etcd range of a filtered paged list
// reads.
const maxPageSize = 10000

const (
	listTooOldDetail     = "The resourceVersion for the provided list is too old."
	continueTooOldDetail = "The provided continue parameter is too old to display a consistent list result. " +
		"You can start a new list without the continue parameter, or use the continue token in this response " +
		"to retrieve the remainder of the results. Continuing with the provided token results in an " +
		"inconsistent list - objects that were created, modified, or deleted between the time the first " +
		"chunk was returned and now may show up in the list."
)

// listPlan is where and at which revision a list reads.
type listPlan struct {
	startKey string
	// rev is the revision to read at; 0 reads the newest.
	rev int64
	// minRev is the revision the newest state must have reached.
	minRev int64
	// serializable allows a local (non-quorum) read.
	serializable bool
}

// planList interprets resourceVersion, resourceVersionMatch and continue.
func planList(prefix string, opts ListOptions) (listPlan, error) {
	plan := listPlan{startKey: prefix}
	rv, err := ParseResourceVersion(opts.ResourceVersion)
	if err != nil {
		return plan, err
	}
	if opts.Predicate.Continue != "" {
		if opts.ResourceVersion != "" && opts.ResourceVersion != "0" {
			return plan, NewError(ErrInvalidContinue, prefix, rv, "specifying resource version is not allowed when using continue")
		}
		key, crev, err := decodeContinue(opts.Predicate.Continue, prefix)
		if err != nil {
			return plan, err
		}
		plan.startKey = key
		if crev > 0 {
			plan.rev = crev
		}
		return plan, nil
	}
	switch opts.ResourceVersionMatch {
	case metav1.ResourceVersionMatchExact:
		if rv == 0 {
			return plan, NewError(ErrInvalidResourceVersion, prefix, 0,
				"resourceVersionMatch=Exact needs a resourceVersion other than \"\" and \"0\"")
		}
		plan.rev = rv
	case metav1.ResourceVersionMatchNotOlderThan:
		plan.minRev = rv
		plan.serializable = opts.ResourceVersion == "0"
	case "":
		// Legacy: a resourceVersion with a limit reads exactly there.
		if opts.Predicate.Limit > 0 && rv > 0 {
			plan.rev = rv
		} else {
			plan.minRev = rv
			plan.serializable = opts.ResourceVersion == "0"
		}
	default:
		return plan, NewError(ErrInvalidResourceVersion, prefix, rv,
			fmt.Sprintf("unknown resourceVersionMatch %q", opts.ResourceVersionMatch))
	}
	return plan, nil
}

// GetList reads the objects under keyPrefix (or at key when not recursive)
// into listObj.
func (s *Store) GetList(ctx context.Context, keyPrefix string, opts ListOptions, listObj runtime.Object) (err error) {
	defer observe("list", keyPrefix, time.Now(), &err)
	listMeta, err := meta.ListAccessor(listObj)
	if err != nil {
		return fmt.Errorf("list object %T: %w", listObj, err)
	}
	if err := checkPredicate(keyPrefix, opts.Predicate); err != nil {
		return err
	}
	if !opts.Recursive {
		return s.getSingleAsList(ctx, keyPrefix, opts, listObj, listMeta)
	}
	prefix := keyPrefix
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	plan, err := planList(prefix, opts)
	if err != nil {
		return err
	}
	if err := s.waitForRevision(ctx, prefix, plan.minRev); err != nil {
		return err
	}

	pred := opts.Predicate
	paging := pred.Limit > 0
	pageSize := pred.Limit
	rangeEnd := clientv3.GetPrefixRangeEnd(prefix)
	key := plan.startKey
	withRev := plan.rev

	var (
		items       []runtime.Object
		lastKey     []byte
		hasMore     bool
		lastCount   int64
		takenInPage int64
	)
	for {
		getOpts := []clientv3.OpOption{clientv3.WithRange(rangeEnd)}
		if paging {
			getOpts = append(getOpts, clientv3.WithLimit(pageSize))
		}
		if withRev > 0 {
			getOpts = append(getOpts, clientv3.WithRev(withRev))
		}
		if plan.serializable {
			getOpts = append(getOpts, clientv3.WithSerializable())
		}
		resp, err := s.client.Get(ctx, key, getOpts...)
		if err != nil {
			return s.listErr(prefix, key, withRev, pred.Continue != "", err)
		}
		if withRev == 0 {
			// Later pages read the same snapshot.
			withRev = resp.Header.Revision
		}
		hasMore = resp.More
		lastCount = resp.Count
		takenInPage = 0
		if len(resp.Kvs) == 0 && resp.More {
			return fmt.Errorf("etcd range %q: no keys returned but more remain", key)
		}
		for _, kv := range resp.Kvs {
			if paging && int64(len(items)) >= pred.Limit {
				hasMore = true
				break
			}
			lastKey = kv.Key
			takenInPage++
			obj, err := s.codec.decode(kv.Value, kv.ModRevision)
			if err != nil {
				return fmt.Errorf("key %q: %w", kv.Key, err)
			}
			ok, err := pred.Matches(obj)
			if err != nil {
				return fmt.Errorf("key %q: %w", kv.Key, err)
			}
			if ok {
				items = append(items, obj)
			}
		}
		if !hasMore || !paging || int64(len(items)) >= pred.Limit {
			break
		}
		// Filtering dropped items: read on, in bigger pages.
		pageSize = min(2*pageSize, maxPageSize)
		key = string(lastKey) + "\x00"
	}

	if items == nil {
		items = []runtime.Object{}
	}
	if err := meta.SetList(listObj, items); err != nil {
		return fmt.Errorf("list object %T: %w", listObj, err)
	}
	listMeta.SetResourceVersion(strconv.FormatInt(withRev, 10))
	listMeta.SetContinue("")
	listMeta.SetRemainingItemCount(nil)
	if hasMore {
		next, err := encodeContinue(string(lastKey)+"\x00", prefix, withRev)
		if err != nil {
			return err
		}
		listMeta.SetContinue(next)
		if pred.Empty() {
			remaining := lastCount - takenInPage
			listMeta.SetRemainingItemCount(&remaining)
		}
	}
	return nil
}

// listErr maps an etcd range error of a list. A compacted continue
// revision yields a token that continues at the newest revision.
func (s *Store) listErr(prefix, key string, rev int64, continuing bool, err error) error {
	if !errors.Is(err, rpctypes.ErrCompacted) {
		return readErr(prefix, rev, err, listTooOldDetail)
	}
	if !continuing {
		return NewError(ErrTooOldResourceVersion, prefix, rev, listTooOldDetail)
	}
	e := &Error{Kind: ErrTooOldResourceVersion, Key: prefix, ResourceVersion: rev, Detail: continueTooOldDetail}
	if next, encErr := encodeContinue(key, prefix, -1); encErr == nil {
		e.Continue = next
	}
	return e
}

// getSingleAsList lists the one object at key (a non-recursive list).
func (s *Store) getSingleAsList(ctx context.Context, key string, opts ListOptions, listObj runtime.Object,
	listMeta metav1.ListInterface) error {
	plan, err := planList(key, ListOptions{
		ResourceVersion:      opts.ResourceVersion,
		ResourceVersionMatch: opts.ResourceVersionMatch,
	})
	if err != nil {
		return err
	}
	if err := s.waitForRevision(ctx, key, plan.minRev); err != nil {
		return err
	}
	var getOpts []clientv3.OpOption
	if plan.rev > 0 {
		getOpts = append(getOpts, clientv3.WithRev(plan.rev))
	}
	if plan.serializable {
		getOpts = append(getOpts, clientv3.WithSerializable())
	}
	resp, err := s.client.Get(ctx, key, getOpts...)
	if err != nil {
		return readErr(key, plan.rev, err, listTooOldDetail)
	}
	items := []runtime.Object{}
	for _, kv := range resp.Kvs {
		obj, err := s.codec.decode(kv.Value, kv.ModRevision)
		if err != nil {
			return fmt.Errorf("key %q: %w", kv.Key, err)
		}
		ok, err := opts.Predicate.Matches(obj)
		if err != nil {
			return err
		}
		if ok {
			items = append(items, obj)
		}
	}
	if err := meta.SetList(listObj, items); err != nil {
		return fmt.Errorf("list object %T: %w", listObj, err)
	}
	rev := plan.rev
	if rev == 0 {
		rev = resp.Header.Revision
	}
	listMeta.SetResourceVersion(strconv.FormatInt(rev, 10))
	listMeta.SetContinue("")
	listMeta.SetRemainingItemCount(nil)
	return nil
}

// checkPredicate rejects a selector that cannot be evaluated.
func checkPredicate(key string, pred SelectionPredicate) error {
	if !pred.Empty() && pred.GetAttrs == nil {
		return fmt.Errorf("selector on %q without GetAttrs", key)
	}
	return nil
}
