// Package priority is the Priority admission plugin. On pod creation it
// resolves spec.priorityClassName to spec.priority and spec.preemptionPolicy
// (falling back to the globalDefault class, else priority 0), rejects pods
// that set a priority or preemption policy other than the class's, and keeps
// both fields on updates that drop them. On PriorityClass writes it refuses
// a second globalDefault class.
//
// It reads PriorityClasses through the lookup functions it is given and
// never writes anything. The reserved "system-" names and value ranges are
// checked by the PriorityClass strategy (internal/registry/scheduling/
// priorityclass), not here, so they keep upstream's 422 Invalid answer.
package priority
