// Package builtin lists every resource Nauta serves out of the box.
package builtin

import "github.com/nauta/nauta/internal/registry"

// Resources returns every built-in resource, core/v1 first.
func Resources() []*registry.Resource {
	var all []*registry.Resource
	all = append(all, coreResources()...)
	all = append(all, groupResources()...)
	return all
}
