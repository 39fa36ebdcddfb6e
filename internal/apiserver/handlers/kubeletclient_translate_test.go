package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilexec "k8s.io/client-go/util/exec"
)

func TestRemoteStatus(t *testing.T) {
	tests := []struct {
		name        string
		err         error
		wantStatus  string
		wantReason  metav1.StatusReason
		wantMessage string
		wantExit    string
	}{
		{name: "success", wantStatus: metav1.StatusSuccess},
		{name: "exit code", err: utilexec.CodeExitError{Err: errors.New("exit 3"), Code: 3},
			wantStatus: metav1.StatusFailure, wantReason: "NonZeroExitCode", wantMessage: "command terminated with non-zero exit code: exit 3", wantExit: "3"},
		{name: "wrapped exit code", err: fmt.Errorf("stream: %w", utilexec.CodeExitError{Err: errors.New("exit 7"), Code: 7}),
			wantStatus: metav1.StatusFailure, wantReason: "NonZeroExitCode", wantExit: "7"},
		{name: "status error kept", err: apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, "p"),
			wantStatus: metav1.StatusFailure, wantReason: metav1.StatusReasonNotFound, wantMessage: `pods "p" not found`},
		{name: "upgrade refused", err: errors.New("unable to upgrade connection: container not found"),
			wantStatus: metav1.StatusFailure, wantReason: metav1.StatusReasonInternalError,
			wantMessage: "Internal error occurred: unable to upgrade connection: container not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st metav1.Status
			if err := json.Unmarshal(remoteStatus(tt.err), &st); err != nil {
				t.Fatal(err)
			}
			if st.Kind != "Status" || st.Status != tt.wantStatus || st.Reason != tt.wantReason {
				t.Fatalf("status = %+v", st)
			}
			if tt.wantMessage != "" && st.Message != tt.wantMessage {
				t.Fatalf("message = %q, want %q", st.Message, tt.wantMessage)
			}
			if tt.wantExit != "" {
				if st.Details == nil || len(st.Details.Causes) != 1 || st.Details.Causes[0].Type != "ExitCode" || st.Details.Causes[0].Message != tt.wantExit {
					t.Fatalf("details = %+v, want exit code %s", st.Details, tt.wantExit)
				}
			}
		})
	}
}
