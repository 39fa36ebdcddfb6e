package endpointslice

import (
	"maps"
	"sort"
	"time"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ManagedBy is the endpointslice.kubernetes.io/managed-by value of the
// slices this controller owns.
const ManagedBy = "endpointslice-controller.k8s.io"

// maxEndpointsPerSlice is upstream's default --max-endpoints-per-slice.
const maxEndpointsPerSlice = 100

// plan is what to write for one Service.
type plan struct {
	create []*discovery.EndpointSlice
	update []*discovery.EndpointSlice
	delete []*discovery.EndpointSlice
}

// work is an existing slice being reshaped.
type work struct {
	slice     *discovery.EndpointSlice
	endpoints []discovery.Endpoint
	changed   bool
}

// planSlices computes the writes that turn existing (the slices this
// controller manages for svc) into the wanted groups. Endpoints that are
// still wanted stay in their slice; new ones go first into slices that
// change anyway, then into slices with room, then into new slices. A
// Service without any endpoint keeps one empty placeholder slice, as
// upstream does.
func planSlices(svc *v1.Service, groups map[string]*group, existing []*discovery.EndpointSlice, trigger time.Time, max int) plan {
	var p plan
	if len(groups) == 0 {
		at := addressTypes(svc)[0]
		groups = map[string]*group{groupKey(at, nil): {addressType: at, endpoints: map[string]discovery.Endpoint{}}}
	}
	placeholder := len(groups) == 1 && func() bool {
		for _, g := range groups {
			return len(g.endpoints) == 0
		}
		return false
	}()

	byKey := map[string][]*discovery.EndpointSlice{}
	for _, s := range existing {
		if !ownedBy(s, svc) {
			p.delete = append(p.delete, s)
			continue
		}
		key := groupKey(s.AddressType, s.Ports)
		byKey[key] = append(byKey[key], s)
	}
	for key, slices := range byKey {
		if _, ok := groups[key]; !ok {
			p.delete = append(p.delete, slices...)
		}
	}

	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		g := groups[key]
		slices := byKey[key]
		sort.Slice(slices, func(i, j int) bool { return slices[i].Name < slices[j].Name })

		placed := map[string]bool{}
		works := make([]*work, 0, len(slices))
		for _, s := range slices {
			w := &work{slice: s}
			for _, ep := range s.Endpoints {
				addr := ""
				if len(ep.Addresses) > 0 {
					addr = ep.Addresses[0]
				}
				want, ok := g.endpoints[addr]
				if !ok || placed[addr] || len(w.endpoints) >= max {
					w.changed = true
					continue
				}
				placed[addr] = true
				if !apiequality.Semantic.DeepEqual(ep, want) {
					w.changed = true
				}
				w.endpoints = append(w.endpoints, want)
			}
			works = append(works, w)
		}

		var remaining []string
		for addr := range g.endpoints {
			if !placed[addr] {
				remaining = append(remaining, addr)
			}
		}
		sort.Strings(remaining)
		fill := func(w *work) {
			for len(remaining) > 0 && len(w.endpoints) < max {
				w.endpoints = append(w.endpoints, g.endpoints[remaining[0]])
				remaining = remaining[1:]
				w.changed = true
			}
		}
		for _, w := range works {
			if w.changed {
				fill(w)
			}
		}
		for _, w := range works {
			fill(w)
		}
		for len(remaining) > 0 {
			w := &work{changed: true}
			fill(w)
			p.create = append(p.create, newSlice(svc, g, w.endpoints, trigger))
		}

		keptPlaceholder := false
		for _, w := range works {
			if len(w.endpoints) == 0 {
				if placeholder && !keptPlaceholder {
					keptPlaceholder = true
					if s, ok := updated(svc, g, w, trigger); ok {
						p.update = append(p.update, s)
					}
					continue
				}
				p.delete = append(p.delete, w.slice)
				continue
			}
			if s, ok := updated(svc, g, w, trigger); ok {
				p.update = append(p.update, s)
			}
		}
		if placeholder && !keptPlaceholder {
			p.placeholder(svc, g, trigger)
		}
	}
	return p
}

// placeholder adds the empty slice of a Service without endpoints, turning
// a slice that was going to be deleted into it rather than creating one.
func (p *plan) placeholder(svc *v1.Service, g *group, trigger time.Time) {
	for i, s := range p.delete {
		if !ownedBy(s, svc) || s.AddressType != g.addressType {
			continue
		}
		p.delete = append(p.delete[:i:i], p.delete[i+1:]...)
		u, _ := updated(svc, g, &work{slice: s, changed: true}, trigger)
		p.update = append(p.update, u)
		return
	}
	p.create = append(p.create, newSlice(svc, g, nil, trigger))
}

// ownedBy says whether the slice's controller reference is this Service
// (a slice of a deleted and re-created Service is not).
func ownedBy(s *discovery.EndpointSlice, svc *v1.Service) bool {
	ref := metav1.GetControllerOf(s)
	return ref != nil && ref.UID == svc.UID
}

// sliceLabels are the labels every slice of svc carries: the Service's own
// labels plus the service name, the manager and the headless marker.
func sliceLabels(svc *v1.Service) map[string]string {
	l := map[string]string{}
	maps.Copy(l, svc.Labels)
	l[discovery.LabelServiceName] = svc.Name
	l[discovery.LabelManagedBy] = ManagedBy
	if svc.Spec.ClusterIP == v1.ClusterIPNone {
		l[v1.IsHeadlessService] = ""
	} else {
		delete(l, v1.IsHeadlessService)
	}
	return l
}

func ownerRef(svc *v1.Service) metav1.OwnerReference {
	return *metav1.NewControllerRef(svc, v1.SchemeGroupVersion.WithKind("Service"))
}

func newSlice(svc *v1.Service, g *group, endpoints []discovery.Endpoint, trigger time.Time) *discovery.EndpointSlice {
	s := &discovery.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    generateName(svc.Name),
			Namespace:       svc.Namespace,
			Labels:          sliceLabels(svc),
			OwnerReferences: []metav1.OwnerReference{ownerRef(svc)},
		},
		AddressType: g.addressType,
		Endpoints:   endpoints,
		Ports:       g.ports,
	}
	setTrigger(&s.ObjectMeta, trigger)
	return s
}

// generateName keeps the prefix short enough for the 5 random characters.
func generateName(service string) string {
	prefix := service + "-"
	if len(prefix) > 58 {
		prefix = prefix[:58]
	}
	return prefix
}

func setTrigger(meta *metav1.ObjectMeta, trigger time.Time) {
	if trigger.IsZero() {
		delete(meta.Annotations, v1.EndpointsLastChangeTriggerTime)
		return
	}
	if meta.Annotations == nil {
		meta.Annotations = map[string]string{}
	}
	meta.Annotations[v1.EndpointsLastChangeTriggerTime] = trigger.UTC().Format(time.RFC3339Nano)
}

// updated returns the new version of a worked-on slice when it differs from
// the stored one in endpoints or metadata.
func updated(svc *v1.Service, g *group, w *work, trigger time.Time) (*discovery.EndpointSlice, bool) {
	wantLabels := sliceLabels(svc)
	if !w.changed && maps.Equal(w.slice.Labels, wantLabels) {
		return nil, false
	}
	s := w.slice.DeepCopy()
	s.Labels = wantLabels
	s.Endpoints = w.endpoints
	s.Ports = g.ports
	if w.changed {
		setTrigger(&s.ObjectMeta, trigger)
	}
	return s, true
}
