package conformance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/oasdiff/yaml"
)

// Violations returns every violation recorded so far, in the order they were recorded.
func (s *Suite) Violations() []Violation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Violation(nil), s.violations...)
}

// Unchecked returns how many requests passed through outside every spec's Prefix (or on a
// Config.Unchecked path).
func (s *Suite) Unchecked() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unchecked
}

// Coverage returns every declared (operationId, status) pair of every spec – specs in Config
// order, operations by path then method, statuses sorted – followed, per spec, by the two
// route-miss rows (RouteMissOperation, "404" and "405"), which are not declared pairs.
func (s *Suite) Coverage() []Pair {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Pair
	for _, sp := range s.specs {
		out = append(out, s.specPairs(sp)...)
		for _, st := range []string{"404", "405"} {
			out = append(out, Pair{Spec: sp.name, OperationID: RouteMissOperation, Status: st,
				Hits: s.hits[pairKey{sp.name, RouteMissOperation, st}]})
		}
	}
	return out
}

// specPairs returns the declared pairs of sp; s.mu must be held.
func (s *Suite) specPairs(sp *spec) []Pair {
	var out []Pair
	for _, oi := range sp.ops {
		for _, st := range oi.statuses {
			k := pairKey{sp.name, oi.id, st}
			out = append(out, Pair{Spec: sp.name, OperationID: oi.id, Status: st, Hits: s.hits[k], Excluded: s.exclusions[k]})
		}
	}
	return out
}

// Missing returns the declared pairs never exercised and not excluded.
func (s *Suite) Missing() []Pair {
	var out []Pair
	for _, p := range s.Coverage() {
		if p.OperationID != RouteMissOperation && p.Hits == 0 && p.Excluded == "" {
			out = append(out, p)
		}
	}
	return out
}

// Stale returns the excluded pairs that were exercised anyway: their exclusion can go. The
// matrix marks them STALE; Check and Err do not fail on them.
func (s *Suite) Stale() []Pair {
	var out []Pair
	for _, p := range s.Coverage() {
		if p.Excluded != "" && p.Hits > 0 {
			out = append(out, p)
		}
	}
	return out
}

// exclusion is one entry of an exclusions file.
type exclusion struct {
	Spec        string     `json:"spec"`
	OperationID string     `json:"operationId"`
	Status      statusText `json:"status"`
	Reason      string     `json:"reason"`
}

// statusText accepts a status written as a number (404) or a string ("404", "4XX").
type statusText string

func (st *statusText) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*st = statusText(n.String())
		return nil
	}
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return fmt.Errorf("status must be a number or a string, got %s", b)
	}
	*st = statusText(str)
	return nil
}

// LoadExclusions reads an exclusions file (YAML or JSON), a list of entries:
//
//	[{"spec": "helpdesk", "operationId": "getTicket", "status": 304, "reason": "…"}]
//
// Every field is required and no other field is allowed; status is the key as declared in the
// spec ("404", "4XX"). An entry naming an unknown spec, operation or a status the operation does
// not declare, a duplicate entry, or an entry without a reason makes the whole file fail, and
// nothing of it is applied. Several files may be loaded; entries add up.
func (s *Suite) LoadExclusions(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("conformance: exclusions: %w", err)
	}
	if err := s.addExclusions(path, raw); err != nil {
		return fmt.Errorf("conformance: exclusions %s: %w", path, err)
	}
	return nil
}

func (s *Suite) addExclusions(name string, raw []byte) error {
	var list []exclusion
	if len(bytes.TrimSpace(raw)) > 0 {
		js, err := yaml.YAMLToJSON(raw)
		if err != nil {
			return err
		}
		if !bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
			dec := json.NewDecoder(bytes.NewReader(js))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&list); err != nil {
				return fmt.Errorf("want a list of {spec, operationId, status, reason}: %w", err)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	add := map[pairKey]string{}
	for i, e := range list {
		st := strings.ToUpper(strings.TrimSpace(string(e.Status)))
		where := fmt.Sprintf("entry %d (%s %s %s)", i+1, e.Spec, e.OperationID, st)
		k := pairKey{e.Spec, e.OperationID, st}
		sp := s.specNamed(e.Spec)
		switch {
		case strings.TrimSpace(e.Reason) == "":
			errs = append(errs, fmt.Errorf("%s: reason is required", where))
		case sp == nil:
			errs = append(errs, fmt.Errorf("%s: no spec named %q", where, e.Spec))
		case sp.opByID[e.OperationID] == nil:
			errs = append(errs, fmt.Errorf("%s: spec %s has no operation %q", where, e.Spec, e.OperationID))
		case !contains(sp.opByID[e.OperationID].statuses, st):
			errs = append(errs, fmt.Errorf("%s: %s does not declare status %q (declared: %s)", where, e.OperationID, st,
				strings.Join(sp.opByID[e.OperationID].statuses, ", ")))
		case add[k] != "" || s.exclusions[k] != "":
			errs = append(errs, fmt.Errorf("%s: duplicate exclusion", where))
		default:
			add[k] = strings.TrimSpace(e.Reason)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	for k, v := range add {
		s.exclusions[k] = v
	}
	return nil
}

func (s *Suite) specNamed(name string) *spec {
	for _, sp := range s.specs {
		if sp.name == name {
			return sp
		}
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// WriteMatrix prints the coverage matrix: per spec, per operation, each declared status with
// its hit count, "excluded: reason" or MISSING (a stale exclusion shows both its hits and
// "STALE exclusion"); then the route-miss rows, the totals and the coverage percentage
// (exercised pairs over declared pairs minus unexercised excluded ones); finally the number of
// unchecked requests.
func (s *Suite) WriteMatrix(w io.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sp := range s.specs {
		prefix := sp.prefix
		if prefix == "" {
			prefix = "/"
		}
		fmt.Fprintf(w, "%s (prefix %s): %d exchanges checked, %d with an invalid request\n",
			sp.name, prefix, s.exchanges[sp.name], s.invalidReqs[sp.name])
		declared, exercised, excluded, missing, stale := 0, 0, 0, 0, 0
		for _, oi := range sp.ops {
			fmt.Fprintf(w, "  %s  %s %s\n", oi.id, oi.method, oi.path)
			if len(oi.statuses) == 0 {
				fmt.Fprintf(w, "    (no declared status)\n")
			}
			for _, st := range oi.statuses {
				k := pairKey{sp.name, oi.id, st}
				hits, reason := s.hits[k], s.exclusions[k]
				declared++
				var cell string
				switch {
				case hits > 0 && reason != "":
					exercised++
					stale++
					cell = fmt.Sprintf("%d  STALE exclusion (%s)", hits, reason)
				case hits > 0:
					exercised++
					cell = strconv.Itoa(hits)
				case reason != "":
					excluded++
					cell = "excluded: " + reason
				default:
					missing++
					cell = "MISSING"
				}
				fmt.Fprintf(w, "    %-4s %s\n", st, cell)
			}
		}
		fmt.Fprintf(w, "  %s\n", RouteMissOperation)
		for _, st := range []string{"404", "405"} {
			fmt.Fprintf(w, "    %-4s %d\n", st, s.hits[pairKey{sp.name, RouteMissOperation, st}])
		}
		required := declared - excluded
		pct := 100.0
		if required > 0 {
			pct = 100 * float64(exercised) / float64(required)
		}
		fmt.Fprintf(w, "  total: %d declared, %d exercised, %d excluded, %d missing, %d stale exclusions; coverage %.1f%% (%d/%d)\n\n",
			declared, exercised, excluded, missing, stale, pct, exercised, required)
	}
	fmt.Fprintf(w, "unchecked requests (outside every prefix): %d\n", s.unchecked)
}

// Check reports each violation and each missing pair with t.Errorf and logs the matrix.
func (s *Suite) Check(t testing.TB) {
	t.Helper()
	var b strings.Builder
	s.WriteMatrix(&b)
	t.Logf("conformance coverage matrix:\n%s", b.String())
	for _, v := range s.Violations() {
		t.Errorf("conformance violation %s", v)
	}
	for _, p := range s.Missing() {
		t.Errorf("conformance: [%s] %s %s was never exercised and is not excluded", p.Spec, p.OperationID, p.Status)
	}
}

// Err is Check for non-test use: nil, or one joined error with a line per violation and per
// missing pair.
func (s *Suite) Err() error {
	var errs []error
	for _, v := range s.Violations() {
		errs = append(errs, errors.New("conformance violation "+v.String()))
	}
	for _, p := range s.Missing() {
		errs = append(errs, fmt.Errorf("conformance: [%s] %s %s was never exercised and is not excluded", p.Spec, p.OperationID, p.Status))
	}
	return errors.Join(errs...)
}
