package discovery

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"

	"github.com/nauta/nauta/internal/registry"
)

// defaultVerbs are the verbs of a resource whose Verbs field is empty.
var defaultVerbs = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}

// Discovery holds the discovery documents of a fixed set of resources. It
// is built once and safe for concurrent use.
type Discovery struct {
	// groups are the named groups in the order of their first resource;
	// the core group is not among them.
	groups []*metav1.APIGroup
	// coreVersions are the versions of the core group, preferred first.
	coreVersions []string
	// resourceLists holds the APIResourceList of every served group version.
	resourceLists map[schema.GroupVersion]*metav1.APIResourceList
	// entries holds the resources of every served group version, sorted by
	// name, for the aggregated documents.
	entries map[schema.GroupVersion][]entry

	aggregated map[aggregatedKey]*encoded
}

type entry struct {
	res  *registry.Resource
	subs []subresource
}

// New builds the discovery documents of resources. Two resources with the
// same group, version and name are an error.
func New(resources []*registry.Resource) (*Discovery, error) {
	d := &Discovery{
		resourceLists: map[schema.GroupVersion]*metav1.APIResourceList{},
		entries:       map[schema.GroupVersion][]entry{},
	}
	versionsOf := map[string][]string{}
	var groupOrder []string
	seen := map[schema.GroupVersionResource]bool{}
	for _, res := range resources {
		gvr := res.GroupVersionResource()
		if gvr.Version == "" || gvr.Resource == "" || res.Kind == "" {
			return nil, fmt.Errorf("discovery: resource %v: version, resource and kind are required", gvr)
		}
		if seen[gvr] {
			return nil, fmt.Errorf("discovery: resource %v listed twice", gvr)
		}
		seen[gvr] = true
		gv := res.GroupVersion
		if _, ok := versionsOf[gv.Group]; !ok && gv.Group != "" {
			groupOrder = append(groupOrder, gv.Group)
		}
		if !slices.Contains(versionsOf[gv.Group], gv.Version) {
			versionsOf[gv.Group] = append(versionsOf[gv.Group], gv.Version)
		}
		d.entries[gv] = append(d.entries[gv], entry{res: res, subs: subresourcesOf(res)})
	}
	for gv, list := range d.entries {
		sort.Slice(list, func(i, j int) bool { return list[i].res.Resource < list[j].res.Resource })
		d.resourceLists[gv] = buildResourceList(gv, list)
	}
	for _, versions := range versionsOf {
		sortVersions(versions)
	}
	d.coreVersions = versionsOf[""]
	for _, g := range groupOrder {
		d.groups = append(d.groups, buildGroup(g, versionsOf[g]))
	}
	if err := d.encodeAggregated(); err != nil {
		return nil, err
	}
	return d, nil
}

// sortVersions orders versions by preference: GA before beta before alpha,
// newer before older (v2, v1, v1beta2, v1beta1, v1alpha1).
func sortVersions(versions []string) {
	sort.SliceStable(versions, func(i, j int) bool {
		return version.CompareKubeAwareVersionStrings(versions[i], versions[j]) > 0
	})
}

func sortSubresources(subs []subresource) {
	sort.Slice(subs, func(i, j int) bool { return subs[i].name < subs[j].name })
}

func buildGroup(name string, versions []string) *metav1.APIGroup {
	g := &metav1.APIGroup{
		TypeMeta: metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"},
		Name:     name,
	}
	for _, v := range versions {
		g.Versions = append(g.Versions, metav1.GroupVersionForDiscovery{
			GroupVersion: schema.GroupVersion{Group: name, Version: v}.String(),
			Version:      v,
		})
	}
	g.PreferredVersion = g.Versions[0]
	return g
}

func buildResourceList(gv schema.GroupVersion, entries []entry) *metav1.APIResourceList {
	list := &metav1.APIResourceList{
		TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
		GroupVersion: gv.String(),
		APIResources: []metav1.APIResource{},
	}
	for _, e := range entries {
		res := e.res
		main := metav1.APIResource{
			Name:         res.Resource,
			SingularName: singularName(res),
			Namespaced:   res.Namespaced,
			Kind:         res.Kind,
			Verbs:        verbsOf(res),
			ShortNames:   res.ShortNames,
			Categories:   res.Categories,
		}
		if res.StoragePrefix != "" {
			sgv := res.StorageGroupVersion()
			main.StorageVersionHash = StorageVersionHash(sgv.Group, sgv.Version, res.Kind)
		}
		list.APIResources = append(list.APIResources, main)
		for _, s := range e.subs {
			gvk := s.groupVersionKind(gv)
			sub := metav1.APIResource{
				Name:       res.Resource + "/" + s.name,
				Namespaced: res.Namespaced,
				Kind:       gvk.Kind,
				Verbs:      slices.Clone(s.verbs),
			}
			// Group and version are only shown when they differ from the
			// list's (autoscaling/v1 Scale, policy/v1 Eviction).
			if gvk.GroupVersion() != gv {
				sub.Group, sub.Version = gvk.Group, gvk.Version
			}
			list.APIResources = append(list.APIResources, sub)
		}
	}
	return list
}

func singularName(res *registry.Resource) string {
	if res.Singular != "" {
		return res.Singular
	}
	return strings.ToLower(res.Kind)
}

func verbsOf(res *registry.Resource) []string {
	if len(res.Verbs) == 0 {
		return slices.Clone(defaultVerbs)
	}
	verbs := slices.Clone(res.Verbs)
	sort.Strings(verbs)
	return slices.Compact(verbs)
}

// APIVersions returns the /api document; serverAddress is the host:port
// the client reached the server at.
func (d *Discovery) APIVersions(serverAddress string) *metav1.APIVersions {
	return &metav1.APIVersions{
		TypeMeta: metav1.TypeMeta{Kind: "APIVersions"},
		Versions: slices.Clone(d.coreVersions),
		ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{
			{ClientCIDR: "0.0.0.0/0", ServerAddress: serverAddress},
		},
	}
}

// GroupList returns the /apis document.
func (d *Discovery) GroupList() *metav1.APIGroupList {
	list := &metav1.APIGroupList{
		TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"},
		Groups:   []metav1.APIGroup{},
	}
	for _, g := range d.groups {
		c := *g.DeepCopy()
		c.TypeMeta = metav1.TypeMeta{}
		list.Groups = append(list.Groups, c)
	}
	return list
}

// Group returns the /apis/<name> document.
func (d *Discovery) Group(name string) (*metav1.APIGroup, bool) {
	for _, g := range d.groups {
		if g.Name == name {
			return g.DeepCopy(), true
		}
	}
	return nil, false
}

// ResourceList returns the /api/<v> or /apis/<g>/<v> document.
func (d *Discovery) ResourceList(gv schema.GroupVersion) (*metav1.APIResourceList, bool) {
	list, ok := d.resourceLists[gv]
	if !ok {
		return nil, false
	}
	return list.DeepCopy(), true
}

// Paths returns the discovery paths served, for the root path listing.
func (d *Discovery) Paths() []string {
	paths := []string{"/api", "/apis"}
	for _, v := range d.coreVersions {
		paths = append(paths, "/api/"+v)
	}
	for _, g := range d.groups {
		paths = append(paths, "/apis/"+g.Name)
		for _, v := range g.Versions {
			paths = append(paths, "/apis/"+v.GroupVersion)
		}
	}
	sort.Strings(paths)
	return paths
}
