package cronjob

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed standard cron schedule: five fields (minute, hour,
// day of month, month, day of week) or a descriptor (@hourly, @every 5m,
// ...). Each field is a bit set of the matching values; Star* records a
// field written as "*" or "?" (day-of-month/day-of-week matching treats
// those differently).
type Schedule struct {
	Minute, Hour, DayOfMonth, Month, DayOfWeek uint64
	DayOfMonthStar, DayOfWeekStar              bool
	// Every is set for "@every <duration>" schedules; the fields are then 0.
	Every time.Duration
	// Location is set when the spec starts with TZ= or CRON_TZ=.
	Location *time.Location
}

// fieldRange bounds one cron field and names its symbolic values.
type fieldRange struct {
	min, max uint
	names    map[string]uint
}

var (
	minutes    = fieldRange{min: 0, max: 59}
	hours      = fieldRange{min: 0, max: 23}
	daysOfMon  = fieldRange{min: 1, max: 31}
	months     = fieldRange{min: 1, max: 12, names: map[string]uint{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}}
	daysOfWeek = fieldRange{min: 0, max: 6, names: map[string]uint{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}}
)

// ParseSchedule parses a CronJob schedule the way the upstream API server
// does (the robfig/cron standard parser), returning its error texts, which
// clients show to users.
func ParseSchedule(spec string) (*Schedule, error) {
	if spec == "" {
		return nil, fmt.Errorf("empty spec string")
	}
	var loc *time.Location
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		eq := strings.Index(spec, "=")
		sp := strings.Index(spec, " ")
		if sp < eq {
			return nil, fmt.Errorf("provided bad location %s: missing schedule", spec[eq+1:])
		}
		name := spec[eq+1 : sp]
		l, err := time.LoadLocation(name)
		if err != nil {
			return nil, fmt.Errorf("provided bad location %s: %v", name, err)
		}
		loc = l
		spec = strings.TrimSpace(spec[sp:])
	}
	if strings.HasPrefix(spec, "@") {
		s, err := parseDescriptor(spec)
		if err != nil {
			return nil, err
		}
		s.Location = loc
		return s, nil
	}
	fields := strings.Fields(spec)
	if len(fields) != 5 {
		return nil, fmt.Errorf("expected exactly 5 fields, found %d: %s", len(fields), fields)
	}
	s := &Schedule{Location: loc}
	var err error
	if s.Minute, _, err = parseField(fields[0], minutes); err != nil {
		return nil, err
	}
	if s.Hour, _, err = parseField(fields[1], hours); err != nil {
		return nil, err
	}
	if s.DayOfMonth, s.DayOfMonthStar, err = parseField(fields[2], daysOfMon); err != nil {
		return nil, err
	}
	if s.Month, _, err = parseField(fields[3], months); err != nil {
		return nil, err
	}
	if s.DayOfWeek, s.DayOfWeekStar, err = parseField(fields[4], daysOfWeek); err != nil {
		return nil, err
	}
	return s, nil
}

// parseDescriptor handles the @-forms.
func parseDescriptor(spec string) (*Schedule, error) {
	all := func(r fieldRange) uint64 { return bits(r.min, r.max, 1) }
	at := func(minute, hour uint, dom, month uint64, domStar bool, dow uint64, dowStar bool) *Schedule {
		return &Schedule{Minute: 1 << minute, Hour: 1 << hour, DayOfMonth: dom, Month: month, DayOfWeek: dow, DayOfMonthStar: domStar, DayOfWeekStar: dowStar}
	}
	switch spec {
	case "@yearly", "@annually":
		return at(0, 0, 1<<1, 1<<1, false, all(daysOfWeek), true), nil
	case "@monthly":
		return at(0, 0, 1<<1, all(months), false, all(daysOfWeek), true), nil
	case "@weekly":
		return at(0, 0, all(daysOfMon), all(months), true, 1<<0, false), nil
	case "@daily", "@midnight":
		return at(0, 0, all(daysOfMon), all(months), true, all(daysOfWeek), true), nil
	case "@hourly":
		s := at(0, 0, all(daysOfMon), all(months), true, all(daysOfWeek), true)
		s.Hour = all(hours)
		return s, nil
	}
	const every = "@every "
	if strings.HasPrefix(spec, every) {
		d, err := time.ParseDuration(spec[len(every):])
		if err != nil {
			return nil, fmt.Errorf("failed to parse duration %s: %s", spec, err)
		}
		// Sub-second schedules run every second.
		d = d.Truncate(time.Second)
		if d < time.Second {
			d = time.Second
		}
		return &Schedule{Every: d}, nil
	}
	return nil, fmt.Errorf("unrecognized descriptor: %s", spec)
}

// parseField parses a comma-separated list of ranges; star reports a "*"
// or "?" with no step above 1.
func parseField(f string, r fieldRange) (uint64, bool, error) {
	var set uint64
	star := false
	for _, expr := range strings.FieldsFunc(f, func(c rune) bool { return c == ',' }) {
		b, s, err := parseRange(expr, r)
		if err != nil {
			return 0, false, err
		}
		set |= b
		star = star || s
	}
	return set, star, nil
}

// parseRange parses "*", "?", "N", "N-M", each optionally followed by
// "/step". "N/step" means N up to the field maximum.
func parseRange(expr string, r fieldRange) (uint64, bool, error) {
	rangeAndStep := strings.Split(expr, "/")
	lowHigh := strings.Split(rangeAndStep[0], "-")
	var start, end uint
	star := false
	if lowHigh[0] == "*" || lowHigh[0] == "?" {
		start, end, star = r.min, r.max, true
	} else {
		var err error
		if start, err = parseValue(lowHigh[0], r.names); err != nil {
			return 0, false, err
		}
		switch len(lowHigh) {
		case 1:
			end = start
		case 2:
			if end, err = parseValue(lowHigh[1], r.names); err != nil {
				return 0, false, err
			}
		default:
			return 0, false, fmt.Errorf("too many hyphens: %s", expr)
		}
	}
	step := uint(1)
	switch len(rangeAndStep) {
	case 1:
	case 2:
		var err error
		if step, err = parseNumber(rangeAndStep[1]); err != nil {
			return 0, false, err
		}
		if len(lowHigh) == 1 {
			end = r.max
		}
		if step > 1 {
			star = false
		}
	default:
		return 0, false, fmt.Errorf("too many slashes: %s", expr)
	}
	switch {
	case start < r.min:
		return 0, false, fmt.Errorf("beginning of range (%d) below minimum (%d): %s", start, r.min, expr)
	case end > r.max:
		return 0, false, fmt.Errorf("end of range (%d) above maximum (%d): %s", end, r.max, expr)
	case start > end:
		return 0, false, fmt.Errorf("beginning of range (%d) beyond end of range (%d): %s", start, end, expr)
	case step == 0:
		return 0, false, fmt.Errorf("step of range should be a positive number: %s", expr)
	}
	return bits(start, end, step), star, nil
}

func parseValue(s string, names map[string]uint) (uint, error) {
	if v, ok := names[strings.ToLower(s)]; ok {
		return v, nil
	}
	return parseNumber(s)
}

func parseNumber(s string) (uint, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("failed to parse int from %s: %s", s, err)
	}
	if n < 0 {
		return 0, fmt.Errorf("negative number (%d) not allowed: %s", n, s)
	}
	return uint(n), nil
}

// bits sets every step-th bit from start to end inclusive.
func bits(start, end, step uint) uint64 {
	var b uint64
	for i := start; i <= end; i += step {
		b |= 1 << i
	}
	return b
}
