package cronjob

import (
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	tests := []struct {
		spec    string
		wantErr string
	}{
		{spec: "*/5 * * * *"},
		{spec: "0 0 * * 1-5"},
		{spec: "30 2 1,15 jan-jun MON"},
		{spec: "0 */2 ? * *"},
		{spec: "@hourly"},
		{spec: "@every 90s"},
		{spec: "@daily"},
		{spec: "", wantErr: "empty spec string"},
		{spec: "foo", wantErr: "expected exactly 5 fields, found 1: [foo]"},
		{spec: "* * * *", wantErr: "expected exactly 5 fields, found 4: [* * * *]"},
		{spec: "60 * * * *", wantErr: "end of range (60) above maximum (59): 60"},
		{spec: "* * 0 * *", wantErr: "beginning of range (0) below minimum (1): 0"},
		{spec: "5-1 * * * *", wantErr: "beginning of range (5) beyond end of range (1): 5-1"},
		{spec: "*/0 * * * *", wantErr: "step of range should be a positive number: */0"},
		{spec: "a * * * *", wantErr: `failed to parse int from a: strconv.Atoi: parsing "a": invalid syntax`},
		{spec: "1-2-3 * * * *", wantErr: "too many hyphens: 1-2-3"},
		{spec: "1/2/3 * * * *", wantErr: "too many slashes: 1/2/3"},
		{spec: "@every x", wantErr: `failed to parse duration @every x: time: invalid duration "x"`},
		{spec: "@sometimes", wantErr: "unrecognized descriptor: @sometimes"},
		{spec: "* * * * 7", wantErr: "end of range (7) above maximum (6): 7"},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			_, err := ParseSchedule(tc.spec)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr):
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestScheduleBits(t *testing.T) {
	s, err := ParseSchedule("*/15 9-17 * * mon-fri")
	if err != nil {
		t.Fatal(err)
	}
	if s.Minute != 1|1<<15|1<<30|1<<45 {
		t.Errorf("minute bits = %b", s.Minute)
	}
	if s.Hour != bits(9, 17, 1) || s.DayOfWeek != bits(1, 5, 1) || !s.DayOfMonthStar || s.DayOfWeekStar {
		t.Errorf("schedule = %+v", s)
	}
	e, err := ParseSchedule("@every 1500ms")
	if err != nil || e.Every != time.Second {
		t.Errorf("every = %v, %v", e, err)
	}
}
