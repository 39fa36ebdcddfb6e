package server

import (
	"fmt"
	"sort"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/nauta/nauta/internal/apiserver/servicealloc"
	"github.com/nauta/nauta/internal/registry"
	"github.com/nauta/nauta/internal/storage"
	"github.com/nauta/nauta/internal/storage/cacher"
)

// startStorage starts one watch cache per distinct storage prefix over a
// shared etcd store (expiring resources, Events, go to etcd alone), waits
// until every cache has its initial state, and returns the lookup the API
// server uses.
func (s *Server) startStorage(g *group, client *clientv3.Client, resources []*registry.Resource) (func(*registry.Resource) storage.Interface, error) {
	ctx := g.Context()
	store := storage.NewStore(client)
	alloc, err := servicealloc.New(servicealloc.Config{
		Store:         store,
		ServiceCIDR:   s.cfg.ServiceClusterIPRange,
		NodePortRange: s.cfg.ServiceNodePortRange,
		Logger:        s.cfg.Logger,
	})
	if err != nil {
		return nil, err
	}
	if err := storage.RegisterMetrics(s.cfg.Metrics); err != nil {
		return nil, fmt.Errorf("storage metrics: %w", err)
	}

	owners := storageOwners(resources)
	prefixes := make([]string, 0, len(owners))
	for p := range owners {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)

	caches := make(map[string]*cacher.Cacher, len(owners))
	expiring := map[string]storage.Interface{}
	for _, prefix := range prefixes {
		res := owners[prefix]
		if res.Expiring {
			expiring[prefix] = store.WithTTL(s.cfg.EventTTL)
			continue
		}
		c := cacher.New(cacher.Config{
			Store:       store,
			Prefix:      prefix,
			NewFunc:     res.New,
			NewListFunc: res.NewList,
			Attrs:       res.Strategy.Attrs,
			Logger:      s.cfg.Logger,
		})
		caches[prefix] = c
		g.Go("cacher "+prefix, c)
	}
	for prefix, c := range caches {
		if err := c.WaitReady(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, nil
			}
			return nil, fmt.Errorf("watch cache %s: %w", prefix, err)
		}
	}
	s.log.Info("storage ready", "caches", len(caches))

	// Service cluster IPs and node ports: the bitmaps are made to match
	// the stored Services before anything is served.
	if err := alloc.Repair(ctx); err != nil {
		if ctx.Err() != nil {
			return nil, nil
		}
		return nil, fmt.Errorf("service allocation: %w", err)
	}
	g.Go("service allocation repair", alloc)
	services := map[string]storage.Interface{}
	for _, r := range resources {
		if r.GroupVersion.Group == "" && r.Resource == "services" {
			services[r.StoragePrefix] = alloc.Wrap(caches[r.StoragePrefix])
		}
	}

	return func(r *registry.Resource) storage.Interface {
		if st, ok := services[r.StoragePrefix]; ok {
			return st
		}
		if c, ok := caches[r.StoragePrefix]; ok {
			return c
		}
		if st, ok := expiring[r.StoragePrefix]; ok {
			return st
		}
		// Every registered resource has a cache; an unknown one (a test's)
		// goes straight to etcd.
		return store
	}, nil
}

// storageOwners picks, for each storage prefix, the resource whose served
// version is the stored one: its New/NewList and Attrs describe what is in
// etcd.
func storageOwners(resources []*registry.Resource) map[string]*registry.Resource {
	owners := map[string]*registry.Resource{}
	for _, r := range resources {
		cur, ok := owners[r.StoragePrefix]
		if !ok || (cur.ToStorage != nil && r.ToStorage == nil) {
			owners[r.StoragePrefix] = r
		}
	}
	return owners
}
