// Package version says which Nauta this is and which Kubernetes API version
// it serves. Values are set at link time by the Makefile.
package version

import (
	"fmt"
	"runtime"
)

// Set with -ldflags "-X github.com/nauta/nauta/internal/version.nautaVersion=..." etc.
var (
	nautaVersion = "v0.1.0-dev"
	gitCommit    = ""
	buildDate    = "1970-01-01T00:00:00Z"
)

// KubernetesVersion is the Kubernetes release whose API (k8s.io/api
// v0.37.x) Nauta serves; /version reports it with a +nauta suffix.
const (
	KubernetesMajor   = "1"
	KubernetesMinor   = "37"
	KubernetesVersion = "v1.37.2"
)

// Info is what /version and `nauta version` print; field names and JSON
// match k8s.io/apimachinery/pkg/version.Info.
type Info struct {
	Major        string `json:"major"`
	Minor        string `json:"minor"`
	GitVersion   string `json:"gitVersion"`
	GitCommit    string `json:"gitCommit"`
	GitTreeState string `json:"gitTreeState"`
	BuildDate    string `json:"buildDate"`
	GoVersion    string `json:"goVersion"`
	Compiler     string `json:"compiler"`
	Platform     string `json:"platform"`
}

// Get returns this binary's version info.
func Get() Info {
	return Info{
		Major:        KubernetesMajor,
		Minor:        KubernetesMinor,
		GitVersion:   KubernetesVersion + "+nauta",
		GitCommit:    gitCommit,
		GitTreeState: "clean",
		BuildDate:    buildDate,
		GoVersion:    runtime.Version(),
		Compiler:     runtime.Compiler,
		Platform:     fmt.Sprintf("%s/%s", runtime.GOOS, runtime.GOARCH),
	}
}

// Nauta returns Nauta's own release version.
func Nauta() string { return nautaVersion }
