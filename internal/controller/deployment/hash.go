package deployment

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/dump"
	"k8s.io/apimachinery/pkg/util/rand"
)

// computeHash is the pod-template-hash of template: an FNV-32a over the
// deterministic dump of the template, mixed with the collision count when
// there is one, rendered in the alphabet upstream uses, so a template
// hashes to the same value here and in upstream clusters.
func computeHash(template *v1.PodTemplateSpec, collisionCount *int32) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%v", dump.ForHash(*template))
	if collisionCount != nil {
		buf := make([]byte, 8)
		binary.LittleEndian.PutUint32(buf, uint32(*collisionCount))
		h.Write(buf)
	}
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}
