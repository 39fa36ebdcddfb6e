// Package volumeattachment holds the storage.k8s.io/v1 VolumeAttachment
// resource: the request to attach a volume to a node, its immutable spec,
// status subresource and table columns.
//
// It must not do I/O or attach anything.
package volumeattachment
