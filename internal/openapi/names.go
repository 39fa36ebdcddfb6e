package openapi

import (
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// groupCamel is the upper-camel form of a group used in operation IDs:
// "" → "Core", "apps" → "Apps", "rbac.authorization.k8s.io" →
// "RbacAuthorization".
func groupCamel(group string) string {
	if group == "" {
		return "Core"
	}
	var b strings.Builder
	for _, part := range strings.Split(strings.TrimSuffix(group, ".k8s.io"), ".") {
		b.WriteString(upperFirst(part))
	}
	return b.String()
}

// groupTag is the lower-camel form of a group used in tags: "core",
// "apps", "rbacAuthorization".
func groupTag(group string) string {
	c := groupCamel(group)
	return strings.ToLower(c[:1]) + c[1:]
}

// gvCamel is the group version part of operation IDs: "CoreV1",
// "AutoscalingV2", "NetworkingV1beta1".
func gvCamel(gv schema.GroupVersion) string {
	return groupCamel(gv.Group) + upperFirst(gv.Version)
}

// gvTag is the tag of operations on a group version: "core_v1",
// "apps_v1", "rbacAuthorization_v1".
func gvTag(gv schema.GroupVersion) string {
	return groupTag(gv.Group) + "_" + gv.Version
}

// gvPath is the URL prefix of a group version: "/api/v1" or
// "/apis/apps/v1".
func gvPath(gv schema.GroupVersion) string {
	if gv.Group == "" {
		return "/api/" + gv.Version
	}
	return "/apis/" + gv.Group + "/" + gv.Version
}

// gvDocKey is the name of a group version's v3 document: "api/v1" or
// "apis/apps/v1".
func gvDocKey(gv schema.GroupVersion) string {
	return strings.TrimPrefix(gvPath(gv), "/")
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
