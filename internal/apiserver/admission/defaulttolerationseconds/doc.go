// Package defaulttolerationseconds is the DefaultTolerationSeconds admission
// mutator: a pod created without tolerations for the not-ready and
// unreachable NoExecute taints gets them with a bounded tolerationSeconds, so
// its pods are evicted from a failed node after that delay instead of at
// once. It changes pod creates only and never rejects anything.
package defaulttolerationseconds
