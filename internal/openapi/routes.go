package openapi

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Media types of request and response bodies.
var (
	mediaTypes      = []string{"application/json", "application/yaml", "application/vnd.kubernetes.protobuf"}
	watchMediaTypes = []string{"application/json", "application/yaml", "application/vnd.kubernetes.protobuf",
		"application/json;stream=watch", "application/vnd.kubernetes.protobuf;stream=watch"}
	anyMediaType    = []string{"*/*"}
	patchMediaTypes = []string{"application/json-patch+json", "application/merge-patch+json",
		"application/strategic-merge-patch+json", "application/apply-patch+yaml"}
)

// Definitions of the meta types operations use.
const (
	defStatus          = "io.k8s.apimachinery.pkg.apis.meta.v1.Status"
	defDeleteOptions   = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"
	defWatchEvent      = "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent"
	defPatch           = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch"
	defAPIVersions     = "io.k8s.apimachinery.pkg.apis.meta.v1.APIVersions"
	defAPIGroupList    = "io.k8s.apimachinery.pkg.apis.meta.v1.APIGroupList"
	defAPIGroup        = "io.k8s.apimachinery.pkg.apis.meta.v1.APIGroup"
	defAPIResourceList = "io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList"
	defVersionInfo     = "io.k8s.apimachinery.pkg.version.Info"
)

// response is one documented response of an operation.
type response struct {
	Code        string
	Description string
	Def         string // definition of the body
}

func ok(def string) response       { return response{"200", "OK", def} }
func created(def string) response  { return response{"201", "Created", def} }
func accepted(def string) response { return response{"202", "Accepted", def} }

// operation is one HTTP method on one path.
type operation struct {
	Method      string // lower case: get, put, post, patch, delete
	ID          string
	Description string
	Tag         string
	// Action and GVK become x-kubernetes-action and
	// x-kubernetes-group-version-kind; both are empty for discovery.
	Action       string
	GVK          *schema.GroupVersionKind
	Params       []param
	Body         string // definition of the request body, if any
	BodyRequired bool
	Consumes     []string
	Produces     []string
	Responses    []response
}

// route is one URL path with its operations.
type route struct {
	Path string
	// Doc is the v3 document the path belongs to ("api/v1", "apis/apps").
	Doc    string
	Params []param
	Ops    []*operation
}

// kindInfo is what the routes of one resource need to know about its
// kinds: the served GVK and the definitions of the object and list types.
type kindInfo struct {
	GVK      schema.GroupVersionKind
	Def      string
	ListDef  string
	ScaleGVK schema.GroupVersionKind
	ScaleDef string
}

// resourceRoutes returns the paths of one resource: collection, item,
// cluster-wide list, subresources and the deprecated watch paths.
func resourceRoutes(res resourceInfo, k kindInfo) []route {
	gv := k.GVK.GroupVersion()
	prefix := gvPath(gv)
	doc := gvDocKey(gv)
	tag := gvTag(gv)
	kind := k.GVK.Kind
	gvk := k.GVK
	verbs := res.verbs
	scope := ""
	collection := prefix + "/" + res.resource
	watchCollection := prefix + "/watch/" + res.resource
	base := []param{prettyParam}
	if res.namespaced {
		scope = "Namespaced"
		collection = prefix + "/namespaces/{namespace}/" + res.resource
		watchCollection = prefix + "/watch/namespaces/{namespace}/" + res.resource
		base = []param{namespaceParam, prettyParam}
	}
	item := collection + "/{name}"
	itemParams := append([]param{nameParam(kind)}, base...)
	id := func(verb, suffix string) string { return verb + gvCamel(gv) + scope + kind + suffix }
	newOp := func(method, opID, action, desc string) *operation {
		return &operation{Method: method, ID: opID, Action: action, Description: desc, Tag: tag,
			GVK: &gvk, Consumes: anyMediaType, Produces: mediaTypes}
	}

	var routes []route
	add := func(path string, params []param, ops ...*operation) {
		var kept []*operation
		for _, op := range ops {
			if op != nil {
				kept = append(kept, op)
			}
		}
		if len(kept) > 0 {
			routes = append(routes, route{Path: path, Doc: doc, Params: params, Ops: kept})
		}
	}

	var list, create, deleteCollection *operation
	if verbs["list"] {
		list = newOp("get", id("list", ""), "list", "list or watch "+kind+" objects")
		list.Params = listParams
		list.Produces = watchMediaTypes
		list.Responses = []response{ok(k.ListDef)}
	}
	if verbs["create"] {
		create = newOp("post", id("create", ""), "post", "create a "+kind+" object")
		create.Params = createParams
		create.Body, create.BodyRequired = k.Def, true
		create.Responses = []response{ok(k.Def), created(k.Def), accepted(k.Def)}
	}
	if verbs["deletecollection"] {
		deleteCollection = newOp("delete", "delete"+gvCamel(gv)+"Collection"+scope+kind, "deletecollection",
			"delete a collection of "+kind+" objects")
		deleteCollection.Params = deleteCollectionParams
		deleteCollection.Body = defDeleteOptions
		deleteCollection.Responses = []response{ok(defStatus)}
	}
	add(collection, base, list, create, deleteCollection)

	var read, replace, patch, del *operation
	if verbs["get"] {
		read = newOp("get", id("read", ""), "get", "read a "+kind+" object")
		read.Responses = []response{ok(k.Def)}
	}
	if verbs["update"] {
		replace = newOp("put", id("replace", ""), "put", "replace a "+kind+" object")
		replace.Params = updateParams
		replace.Body, replace.BodyRequired = k.Def, true
		replace.Responses = []response{ok(k.Def), created(k.Def)}
	}
	if verbs["patch"] {
		patch = patchOp(newOp("patch", id("patch", ""), "patch", "partially update a "+kind+" object"), k.Def)
	}
	if verbs["delete"] {
		del = newOp("delete", id("delete", ""), "delete", "delete a "+kind+" object")
		del.Params = deleteParams
		del.Body = defDeleteOptions
		del.Responses = []response{ok(defStatus), accepted(defStatus)}
	}
	add(item, itemParams, read, replace, patch, del)

	if res.namespaced && verbs["list"] {
		all := newOp("get", "list"+gvCamel(gv)+kind+"ForAllNamespaces", "list", "list or watch "+kind+" objects")
		all.Params = listParams
		all.Produces = watchMediaTypes
		all.Responses = []response{ok(k.ListDef)}
		add(prefix+"/"+res.resource, []param{prettyParam}, all)
	}

	if res.status {
		desc := func(verb string) string { return verb + " the status of a " + kind + " object" }
		read := newOp("get", id("read", "Status"), "get", desc("read"))
		read.Responses = []response{ok(k.Def)}
		replace := newOp("put", id("replace", "Status"), "put", desc("replace"))
		replace.Params = updateParams
		replace.Body, replace.BodyRequired = k.Def, true
		replace.Responses = []response{ok(k.Def), created(k.Def)}
		patch := patchOp(newOp("patch", id("patch", "Status"), "patch", desc("partially update")), k.Def)
		add(item+"/status", itemParams, read, replace, patch)
	}

	if res.scale {
		desc := func(verb string) string { return verb + " the scale of a " + kind + " object" }
		scaleOp := func(method, opID, action, d string) *operation {
			op := newOp(method, opID, action, d)
			sgvk := k.ScaleGVK
			op.GVK = &sgvk
			return op
		}
		read := scaleOp("get", id("read", "Scale"), "get", desc("read"))
		read.Responses = []response{ok(k.ScaleDef)}
		replace := scaleOp("put", id("replace", "Scale"), "put", desc("replace"))
		replace.Params = updateParams
		replace.Body, replace.BodyRequired = k.ScaleDef, true
		replace.Responses = []response{ok(k.ScaleDef), created(k.ScaleDef)}
		patch := patchOp(scaleOp("patch", id("patch", "Scale"), "patch", desc("partially update")), k.ScaleDef)
		add(item+"/scale", itemParams, read, replace, patch)
	}

	if verbs["watch"] {
		watchOp := func(opID, action, desc string) *operation {
			op := newOp("get", opID, action, desc)
			op.Params = listParams
			op.Produces = watchMediaTypes
			op.Responses = []response{ok(defWatchEvent)}
			return op
		}
		add(watchCollection, base, watchOp(id("watch", "List"), "watchlist",
			"watch changes to a list of "+kind+" objects (deprecated: use the list operation with watch=true)"))
		add(watchCollection+"/{name}", itemParams, watchOp(id("watch", ""), "watch",
			"watch changes to a "+kind+" (deprecated: use the list operation with watch=true and a fieldSelector)"))
		if res.namespaced {
			add(prefix+"/watch/"+res.resource, []param{prettyParam},
				watchOp("watch"+gvCamel(gv)+kind+"ListForAllNamespaces", "watchlist",
					"watch changes to a list of "+kind+" objects in all namespaces (deprecated)"))
		}
	}
	return routes
}

// patchOp completes a patch operation: the patch media types, its body and
// its query parameters (fieldValidation among them, which kubectl looks for
// to decide whether the server validates fields itself).
func patchOp(op *operation, def string) *operation {
	op.Params = patchParams
	op.Body, op.BodyRequired = defPatch, true
	op.Consumes = patchMediaTypes
	op.Responses = []response{ok(def), created(def)}
	return op
}

// discoveryRoutes documents the discovery endpoints of the given group
// versions and /version.
func discoveryRoutes(gvs []schema.GroupVersion) []route {
	discovery := func(path, doc, id, desc, tag, def string) route {
		return route{Path: path, Doc: doc, Ops: []*operation{{
			Method: "get", ID: id, Description: desc, Tag: tag,
			Consumes: mediaTypes, Produces: mediaTypes, Responses: []response{ok(def)},
		}}}
	}
	var routes []route
	groups := map[string]bool{}
	hasCore := false
	for _, gv := range gvs {
		if gv.Group == "" {
			hasCore = true
			routes = append(routes, discovery("/api/"+gv.Version+"/", gvDocKey(gv), "get"+gvCamel(gv)+"APIResources",
				"list the resources of this group version", gvTag(gv), defAPIResourceList))
			continue
		}
		if !groups[gv.Group] {
			groups[gv.Group] = true
			routes = append(routes, discovery("/apis/"+gv.Group+"/", "apis/"+gv.Group, "get"+groupCamel(gv.Group)+"APIGroup",
				"describe this API group", groupTag(gv.Group), defAPIGroup))
		}
		routes = append(routes, discovery(gvPath(gv)+"/", gvDocKey(gv), "get"+gvCamel(gv)+"APIResources",
			"list the resources of this group version", gvTag(gv), defAPIResourceList))
	}
	if hasCore {
		routes = append(routes, discovery("/api/", "api", "getCoreAPIVersions", "list the versions of the core API", "core", defAPIVersions))
	}
	routes = append(routes,
		discovery("/apis/", "apis", "getAPIVersions", "list the API groups", "apis", defAPIGroupList),
		discovery("/version/", "version", "getCodeVersion", "report the server version", "version", defVersionInfo),
	)
	return routes
}
