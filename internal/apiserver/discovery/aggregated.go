package discovery

import (
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"slices"
	"sort"
	"strconv"
	"strings"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	apidiscoveryv2beta1 "k8s.io/api/apidiscovery/v2beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The media type parameters naming the aggregated discovery document.
const (
	aggregatedGroup = "apidiscovery.k8s.io"
	aggregatedKind  = "APIGroupDiscoveryList"
)

// aggregatedVersions are the apidiscovery.k8s.io versions served, newest
// first: v2 for kubectl 1.30+, v2beta1 for kubectl 1.27-1.29.
var aggregatedVersions = []string{"v2", "v2beta1"}

type aggregatedKey struct {
	core    bool // /api rather than /apis
	version string
}

// encoded is a ready-to-send aggregated document.
type encoded struct {
	body        []byte
	etag        string // quoted
	contentType string
}

// AggregatedContentType returns the Content-Type of the aggregated
// discovery document of the given apidiscovery.k8s.io version.
func AggregatedContentType(version string) string {
	return "application/json;g=" + aggregatedGroup + ";v=" + version + ";as=" + aggregatedKind
}

// Aggregated returns the aggregated v2 document of /api (core) or /apis.
func (d *Discovery) Aggregated(core bool) *apidiscoveryv2.APIGroupDiscoveryList {
	list := &apidiscoveryv2.APIGroupDiscoveryList{
		TypeMeta: metav1.TypeMeta{Kind: aggregatedKind, APIVersion: aggregatedGroup + "/v2"},
		Items:    []apidiscoveryv2.APIGroupDiscovery{},
	}
	if core {
		if len(d.coreVersions) > 0 {
			list.Items = append(list.Items, d.aggregatedGroup("", d.coreVersions))
		}
		return list
	}
	for _, g := range d.groups {
		var versions []string
		for _, v := range g.Versions {
			versions = append(versions, v.Version)
		}
		list.Items = append(list.Items, d.aggregatedGroup(g.Name, versions))
	}
	return list
}

func (d *Discovery) aggregatedGroup(name string, versions []string) apidiscoveryv2.APIGroupDiscovery {
	g := apidiscoveryv2.APIGroupDiscovery{ObjectMeta: metav1.ObjectMeta{Name: name}}
	for _, v := range versions {
		gv := schema.GroupVersion{Group: name, Version: v}
		vd := apidiscoveryv2.APIVersionDiscovery{
			Version:   v,
			Resources: []apidiscoveryv2.APIResourceDiscovery{},
			Freshness: apidiscoveryv2.DiscoveryFreshnessCurrent,
		}
		for _, e := range d.entries[gv] {
			vd.Resources = append(vd.Resources, aggregatedResource(gv, e))
		}
		g.Versions = append(g.Versions, vd)
	}
	return g
}

func aggregatedResource(gv schema.GroupVersion, e entry) apidiscoveryv2.APIResourceDiscovery {
	res := e.res
	scope := apidiscoveryv2.ScopeCluster
	if res.Namespaced {
		scope = apidiscoveryv2.ScopeNamespace
	}
	out := apidiscoveryv2.APIResourceDiscovery{
		Resource:         res.Resource,
		ResponseKind:     &metav1.GroupVersionKind{Group: gv.Group, Version: gv.Version, Kind: res.Kind},
		Scope:            scope,
		SingularResource: singularName(res),
		Verbs:            verbsOf(res),
		ShortNames:       slices.Clone(res.ShortNames),
		Categories:       slices.Clone(res.Categories),
	}
	for _, s := range e.subs {
		gvk := s.groupVersionKind(gv)
		out.Subresources = append(out.Subresources, apidiscoveryv2.APISubresourceDiscovery{
			Subresource:  s.name,
			ResponseKind: &metav1.GroupVersionKind{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind},
			Verbs:        slices.Clone(s.verbs),
		})
	}
	return out
}

// encodeAggregated serializes every aggregated document once: they never
// change, and the ETag is the hash of the bytes.
func (d *Discovery) encodeAggregated() error {
	d.aggregated = map[aggregatedKey]*encoded{}
	for _, core := range []bool{true, false} {
		v2 := d.Aggregated(core)
		for _, version := range aggregatedVersions {
			var doc any = v2
			if version == "v2beta1" {
				beta, err := toV2Beta1(v2)
				if err != nil {
					return err
				}
				doc = beta
			}
			body, err := json.Marshal(doc)
			if err != nil {
				return fmt.Errorf("discovery: encoding aggregated %s: %w", version, err)
			}
			sum := sha512.Sum512(body)
			d.aggregated[aggregatedKey{core: core, version: version}] = &encoded{
				body:        body,
				etag:        strconv.Quote(hex.EncodeToString(sum[:])),
				contentType: AggregatedContentType(version),
			}
		}
	}
	return nil
}

// toV2Beta1 converts a v2 document to v2beta1; the two versions have the
// same fields.
func toV2Beta1(in *apidiscoveryv2.APIGroupDiscoveryList) (*apidiscoveryv2beta1.APIGroupDiscoveryList, error) {
	data, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("discovery: converting to v2beta1: %w", err)
	}
	out := &apidiscoveryv2beta1.APIGroupDiscoveryList{}
	if err := json.Unmarshal(data, out); err != nil {
		return nil, fmt.Errorf("discovery: converting to v2beta1: %w", err)
	}
	out.TypeMeta = metav1.TypeMeta{Kind: aggregatedKind, APIVersion: aggregatedGroup + "/v2beta1"}
	return out, nil
}

// negotiateAggregated returns the apidiscovery.k8s.io version the Accept
// header asks for, or "" when the client prefers (or only knows) the
// unaggregated documents. Media ranges are tried by decreasing q, in the
// client's order among equals; ranges we cannot serve are skipped.
func negotiateAggregated(accept string) string {
	type mediaRange struct {
		typ    string
		params map[string]string
		q      float64
	}
	var ranges []mediaRange
	for _, part := range strings.Split(accept, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		typ, params, err := mime.ParseMediaType(part)
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				q = f
			}
		}
		if q <= 0 {
			continue
		}
		ranges = append(ranges, mediaRange{typ: typ, params: params, q: q})
	}
	sort.SliceStable(ranges, func(i, j int) bool { return ranges[i].q > ranges[j].q })
	for _, m := range ranges {
		if m.params["as"] != "" || m.params["g"] != "" {
			if m.typ == "application/json" && m.params["g"] == aggregatedGroup && m.params["as"] == aggregatedKind &&
				slices.Contains(aggregatedVersions, m.params["v"]) {
				return m.params["v"]
			}
			continue
		}
		switch m.typ {
		case "application/json", "application/yaml", "application/vnd.kubernetes.protobuf", "application/*", "*/*":
			return ""
		}
	}
	return ""
}
