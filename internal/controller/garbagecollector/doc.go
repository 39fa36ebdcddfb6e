// Package garbagecollector is the garbage collector controller. It watches
// the metadata of every listable, watchable and deletable resource the
// discovery API reports, keeps a graph of owners and their dependents
// (metadata.ownerReferences), and
//   - deletes dependents whose owners are all gone (background deletion),
//     after confirming each owner's absence with a live read whose uid must
//     match the reference;
//   - for owners deleted in the foreground (the foregroundDeletion
//     finalizer) deletes their dependents, waits for those whose reference
//     says blockOwnerDeletion, then removes the finalizer;
//   - for owners deleted with the orphan finalizer removes the references
//     to them from their dependents, then the finalizer.
//
// The API server sets the finalizers from the DELETE propagationPolicy; this
// package never decides the policy of a user's delete. It talks to the API
// server only through client-go (metadata and discovery clients).
package garbagecollector
