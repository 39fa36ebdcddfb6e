// Package event holds the core/v1 events resource, which events.k8s.io/v1
// shares (objects are stored as core/v1 Event): namespace agreement and
// the required fields of new-style events, the involvedObject.* / reason /
// source / type field selectors, and the LAST SEEN TYPE REASON OBJECT
// MESSAGE table. The table and the old-style namespace rule are exported
// for the events.k8s.io/v1 package. No I/O.
package event
