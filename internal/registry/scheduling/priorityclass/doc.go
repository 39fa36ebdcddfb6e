// Package priorityclass holds the scheduling.k8s.io/v1 PriorityClass
// resource: the preemption policy default, value range and reserved
// "system-" names, immutability of value and policy, and table columns.
//
// It must not do I/O. Enforcing a single globalDefault across classes and
// creating the built-in system classes happen elsewhere (admission and
// server bootstrap).
package priorityclass
