package kubelet

import (
	"testing"

	v1 "k8s.io/api/core/v1"
)

func TestImageRegistryPath(t *testing.T) {
	for _, tc := range []struct{ image, host, repo string }{
		{"busybox", "docker.io", "library/busybox"},
		{"busybox:1.36", "docker.io", "library/busybox"},
		{"team/app:v1", "docker.io", "team/app"},
		{"registry.example.com/team/app:v1", "registry.example.com", "team/app"},
		{"localhost:5000/app@sha256:abc", "localhost:5000", "app"},
		{"index.docker.io/library/nginx", "docker.io", "library/nginx"},
	} {
		t.Run(tc.image, func(t *testing.T) {
			if h, r := imageRegistryPath(tc.image); h != tc.host || r != tc.repo {
				t.Fatalf("imageRegistryPath = %q %q, want %q %q", h, r, tc.host, tc.repo)
			}
		})
	}
}

func TestKeyMatches(t *testing.T) {
	for _, tc := range []struct {
		key, image string
		want       bool
	}{
		{"registry.example.com", "registry.example.com/team/app:v1", true},
		{"https://registry.example.com/v2/", "registry.example.com/team/app", true},
		{"registry.example.com/team", "registry.example.com/team/app", true},
		{"registry.example.com/other", "registry.example.com/team/app", false},
		{"*.example.com", "registry.example.com/app", true},
		{"*.example.com", "a.b.example.com/app", false},
		{"https://index.docker.io/v1/", "busybox", true},
		{"docker.io", "team/app", true},
		{"registry.example.com:5000", "registry.example.com/app", false},
		{"other.example.com", "registry.example.com/app", false},
	} {
		t.Run(tc.key+" "+tc.image, func(t *testing.T) {
			host, repo := imageRegistryPath(tc.image)
			if got := keyMatches(tc.key, host, repo); got != tc.want {
				t.Fatalf("keyMatches(%q, %q) = %v", tc.key, tc.image, got)
			}
		})
	}
}

func TestDockerConfigEntries(t *testing.T) {
	s := &v1.Secret{Type: v1.SecretTypeDockerConfigJson, Data: map[string][]byte{
		v1.DockerConfigJsonKey: []byte(`{"auths":{"r.example.com":{"auth":"dXNlcjpwYXNz"},"q.example.com":{"username":"u","password":"p"}}}`)}}
	entries, err := dockerConfigEntries(s)
	if err != nil {
		t.Fatal(err)
	}
	if a := entries["r.example.com"].authConfig(); a.Username != "user" || a.Password != "pass" {
		t.Fatalf("auth from the auth field = %+v", a)
	}
	if a := entries["q.example.com"].authConfig(); a.Username != "u" || a.Password != "p" {
		t.Fatalf("auth from the fields = %+v", a)
	}
	old := &v1.Secret{Type: v1.SecretTypeDockercfg, Data: map[string][]byte{
		v1.DockerConfigKey: []byte(`{"r.example.com":{"username":"a","password":"b"}}`)}}
	if entries, err := dockerConfigEntries(old); err != nil || entries["r.example.com"].Username != "a" {
		t.Fatalf("dockercfg entries = %+v, %v", entries, err)
	}
}
