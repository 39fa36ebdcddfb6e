package deployment

// Event reasons, as upstream spells them (kubectl describe shows them).
const (
	EventScalingReplicaSet = "ScalingReplicaSet"
	EventSelectingAll      = "SelectingAll"
	// EventReplicaSetCreateError is both the event reason and the
	// Progressing condition reason when creating the new ReplicaSet fails.
	EventReplicaSetCreateError = ReasonFailedReplicaSetCreate
)
