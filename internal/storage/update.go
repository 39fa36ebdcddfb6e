package storage

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// objState is what a key held when it was read.
type objState struct {
	obj    runtime.Object
	data   []byte
	rev    int64 // mod revision; 0 when the key is missing
	exists bool
	// current is set when the read was linearizable (a quorum read or a
	// txn's Else); a serializable read may be behind the cluster.
	current bool
}

// stateOf builds the state of key from a range response's kvs; a missing key
// yields a zero object like out.
func (s *Store) stateOf(kvs []*mvccpb.KeyValue, out runtime.Object) (*objState, error) {
	if len(kvs) == 0 {
		return &objState{obj: newLike(out)}, nil
	}
	kv := kvs[0]
	obj, err := s.codec.decode(kv.Value, kv.ModRevision)
	if err != nil {
		return nil, err
	}
	return &objState{obj: obj, data: kv.Value, rev: kv.ModRevision, exists: true}, nil
}

// readState reads key, serializably unless linearizable is set.
//
// Updates and deletes start from a serializable read: it skips the quorum
// round trip (on a single etcd member it sees every write applied so
// far), and the compare-and-swap on the mod revision catches a read that
// was behind. Outcomes decided without a write (not found, failed
// preconditions, update errors, no-op updates) are confirmed on a
// linearizable read first (see confirm).
func (s *Store) readState(ctx context.Context, key string, out runtime.Object, linearizable bool) (*objState, error) {
	var opts []clientv3.OpOption
	if !linearizable {
		opts = append(opts, clientv3.WithSerializable())
	}
	resp, err := s.client.Get(ctx, key, opts...)
	if err != nil {
		return nil, fmt.Errorf("etcd get %q: %w", key, err)
	}
	state, err := s.stateOf(resp.Kvs, out)
	if err != nil {
		return nil, err
	}
	state.current = linearizable
	return state, nil
}

// confirm returns state as a linearizable read sees it now, and whether
// that differs from state (read serializably, it may have been behind).
// The caller retries on a changed state instead of acting on an old one.
func (s *Store) confirm(ctx context.Context, key string, out runtime.Object, state *objState) (*objState, bool, error) {
	if state.current {
		return state, false, nil
	}
	fresh, err := s.readState(ctx, key, out, true)
	if err != nil {
		return nil, false, err
	}
	return fresh, fresh.rev != state.rev || fresh.exists != state.exists, nil
}

// stateFromElse reads the state out of a failed txn's Else(OpGet(key)).
func (s *Store) stateFromElse(resp *clientv3.TxnResponse, out runtime.Object) (*objState, error) {
	if len(resp.Responses) == 0 || resp.Responses[0].GetResponseRange() == nil {
		return nil, fmt.Errorf("etcd txn: missing range response")
	}
	state, err := s.stateOf(resp.Responses[0].GetResponseRange().Kvs, out)
	if err != nil {
		return nil, err
	}
	state.current = true
	return state, nil
}

// checkPreconditions reports ErrUIDMismatch or ErrConflict when p does not
// hold on obj.
func checkPreconditions(key string, p *Preconditions, obj runtime.Object) error {
	if p == nil {
		return nil
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return fmt.Errorf("object %T has no metadata: %w", obj, err)
	}
	if p.UID != nil && *p.UID != m.GetUID() {
		return NewError(ErrUIDMismatch, key, 0,
			fmt.Sprintf("Precondition failed: UID in precondition: %v, UID in object meta: %v", *p.UID, m.GetUID()))
	}
	if p.ResourceVersion != nil && *p.ResourceVersion != m.GetResourceVersion() {
		return NewError(ErrConflict, key, 0,
			fmt.Sprintf("Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v",
				*p.ResourceVersion, m.GetResourceVersion()))
	}
	return nil
}

// stateOfCached builds the state of key from a copy of its object that
// may be behind (a watch cache's), without reading etcd. The object is
// only read, never changed.
func (s *Store) stateOfCached(cached runtime.Object) (*objState, error) {
	rev, err := ObjectResourceVersion(cached)
	if err != nil {
		return nil, err
	}
	if rev <= 0 {
		return nil, fmt.Errorf("cached %T has no resourceVersion", cached)
	}
	// data is encoded only when an update has to be told from a no-op.
	return &objState{obj: cached, rev: rev, exists: true}, nil
}

// GuaranteedUpdate reads key, applies tryUpdate and writes the result with a
// compare-and-swap on the mod revision, retrying on concurrent writes.
func (s *Store) GuaranteedUpdate(ctx context.Context, key string, out runtime.Object, ignoreNotFound bool,
	preconditions *Preconditions, tryUpdate UpdateFunc) error {
	return s.GuaranteedUpdateFrom(ctx, key, out, ignoreNotFound, preconditions, tryUpdate, nil)
}

// GuaranteedUpdateFrom is GuaranteedUpdate starting from cached, the
// caller's idea of the current object (a watch cache's, read-only),
// instead of a read: the update is tried on it, and the compare-and-swap
// on its resourceVersion catches a cached object that was behind, as it
// catches a serializable read that was. A nil cached reads the key.
func (s *Store) GuaranteedUpdateFrom(ctx context.Context, key string, out runtime.Object, ignoreNotFound bool,
	preconditions *Preconditions, tryUpdate UpdateFunc, cached runtime.Object) (err error) {
	defer observe("update", key, time.Now(), &err)
	var state *objState
	if cached != nil {
		state, err = s.stateOfCached(cached)
	}
	if state == nil {
		state, err = s.readState(ctx, key, out, false)
	}
	if err != nil {
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		updated, data, done, err := s.prepareUpdate(key, state, ignoreNotFound, preconditions, tryUpdate)
		if done || err != nil {
			// Decided without a write: only on current data.
			fresh, changed, cerr := s.confirm(ctx, key, out, state)
			if cerr != nil {
				return cerr
			}
			if state = fresh; changed {
				continue
			}
			if err != nil {
				return err
			}
			return s.codec.copyInto(out, state.obj)
		}

		cmp := clientv3.Compare(clientv3.ModRevision(key), "=", state.rev)
		if !state.exists {
			cmp = clientv3.Compare(clientv3.CreateRevision(key), "=", 0)
		}
		resp, err := s.putTxn(ctx, key, data, cmp, clientv3.OpGet(key))
		if err != nil {
			return fmt.Errorf("etcd update %q: %w", key, err)
		}
		if resp.Succeeded {
			// What was written is what a read of data would return; out
			// takes it over. updated is tryUpdate's result, made from
			// the store's own copy or by the caller for this write.
			return s.codec.adopt(out, updated, resp.Header.Revision)
		}
		s.logger.Debug("concurrent update, retrying", "key", key, "readRevision", state.rev)
		if state, err = s.stateFromElse(resp, out); err != nil {
			return err
		}
	}
}

// prepareUpdate checks state and applies tryUpdate to a copy of it. It
// returns the updated object and the data to write, or done when state
// already holds the result (a no-op update), or the error that ends the
// update.
func (s *Store) prepareUpdate(key string, state *objState, ignoreNotFound bool, preconditions *Preconditions, tryUpdate UpdateFunc) (runtime.Object, []byte, bool, error) {
	if !state.exists && !ignoreNotFound {
		return nil, nil, false, NewError(ErrKeyNotFound, key, 0, "")
	}
	if err := checkPreconditions(key, preconditions, state.obj); err != nil {
		return nil, nil, false, err
	}
	// tryUpdate may change what it is given; keep state.obj intact.
	updated, err := tryUpdate(state.obj.DeepCopyObject())
	if err != nil {
		return nil, nil, false, err
	}
	data, err := s.codec.encode(updated)
	if err != nil {
		return nil, nil, false, err
	}
	if state.exists {
		same, err := s.storedAs(state, updated, data)
		if err != nil {
			return nil, nil, false, err
		}
		if same {
			return nil, nil, true, nil
		}
	}
	return updated, data, false, nil
}

// sizer is what generated protobuf types have.
type sizer interface{ Size() int }

// sizesDiffer reports whether a and b, with equal resourceVersions, have
// different protobuf sizes. False when that cannot be told.
func sizesDiffer(a, b runtime.Object) bool {
	am, ok1 := a.(metav1.Object)
	bm, ok2 := b.(metav1.Object)
	as, ok3 := a.(sizer)
	bs, ok4 := b.(sizer)
	if !ok1 || !ok2 || !ok3 || !ok4 || am.GetResourceVersion() != bm.GetResourceVersion() {
		return false
	}
	return as.Size() != bs.Size()
}

// storedAs reports whether the existing state is stored as data, the
// encoding of updated. A state taken from a cached object has no data yet:
// when both objects carry the same resourceVersion (which the stored bytes
// leave out) and their protobuf sizes differ (a status that gained a
// condition, a pod that got its node) they cannot be equal; otherwise the
// cached object is encoded and compared.
func (s *Store) storedAs(state *objState, updated runtime.Object, data []byte) (bool, error) {
	if state.data == nil {
		if sizesDiffer(state.obj, updated) {
			return false, nil
		}
		encoded, err := s.codec.encode(state.obj)
		if err != nil {
			return false, err
		}
		state.data = encoded
	}
	return bytes.Equal(data, state.data), nil
}

// Delete removes key after preconditions and validate pass on the current
// object, retrying on concurrent writes. out receives the last stored state
// with the deletion revision as resourceVersion (as the DELETED watch event
// carries it).
func (s *Store) Delete(ctx context.Context, key string, out runtime.Object, preconditions *Preconditions,
	validate ValidateObjectFunc) (err error) {
	defer observe("delete", key, time.Now(), &err)
	state, err := s.readState(ctx, key, out, false)
	if err != nil {
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := checkDelete(ctx, key, state, preconditions, validate); err != nil {
			fresh, changed, cerr := s.confirm(ctx, key, out, state)
			if cerr != nil {
				return cerr
			}
			if state = fresh; changed {
				continue
			}
			return err
		}
		resp, err := s.client.Txn(ctx).
			If(clientv3.Compare(clientv3.ModRevision(key), "=", state.rev)).
			Then(clientv3.OpDelete(key)).
			Else(clientv3.OpGet(key)).
			Commit()
		if err != nil {
			return fmt.Errorf("etcd delete %q: %w", key, err)
		}
		if resp.Succeeded {
			// state.obj was read for this delete alone.
			return s.codec.adopt(out, state.obj, resp.Header.Revision)
		}
		s.logger.Debug("concurrent update during delete, retrying", "key", key, "readRevision", state.rev)
		if state, err = s.stateFromElse(resp, out); err != nil {
			return err
		}
	}
}

// checkDelete returns why the object in state may not be deleted, if it
// may not.
func checkDelete(ctx context.Context, key string, state *objState, preconditions *Preconditions, validate ValidateObjectFunc) error {
	if !state.exists {
		return NewError(ErrKeyNotFound, key, 0, "")
	}
	if err := checkPreconditions(key, preconditions, state.obj); err != nil {
		return err
	}
	if validate != nil {
		return validate(ctx, state.obj)
	}
	return nil
}
