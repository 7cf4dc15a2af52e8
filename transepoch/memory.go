package transepoch

import "slices"

// Memory is an in-memory implementation of every interface the package
// expects, for tests, examples and simulations: it records bootstrap
// requests, committees and reshares, and reports as synced the newcomers
// marked with MarkSynced.
type Memory struct {
	// Bootstrapped lists (validator) bootstrap requests in call order.
	Bootstrapped []string
	// Committees lists every committee handed over, in order.
	Committees []Committee
	// Reshares lists every reshare triggered, in order.
	Reshares []Reshare
	synced   map[string]bool
}

var (
	_ Bootstrapper  = (*Memory)(nil)
	_ SyncReporter  = (*Memory)(nil)
	_ CommitteeSink = (*Memory)(nil)
	_ Resharer      = (*Memory)(nil)
)

// Bootstrap records the request.
func (m *Memory) Bootstrap(_ uint32, _ uint64, validator string) error {
	m.Bootstrapped = append(m.Bootstrapped, validator)
	return nil
}

// MarkSynced makes Synced report validator as caught up.
func (m *Memory) MarkSynced(validator string) {
	if m.synced == nil {
		m.synced = map[string]bool{}
	}
	m.synced[validator] = true
}

// Synced reports whether MarkSynced was called for validator.
func (m *Memory) Synced(_ uint32, _ uint64, validator string) bool { return m.synced[validator] }

// SetCommittee records c.
func (m *Memory) SetCommittee(c Committee) error {
	c.Members = slices.Clone(c.Members)
	m.Committees = append(m.Committees, c)
	return nil
}

// Reshare records r.
func (m *Memory) Reshare(r Reshare) error {
	m.Reshares = append(m.Reshares, r)
	return nil
}

// Current is the last committee handed over (zero if none).
func (m *Memory) Current() Committee {
	if len(m.Committees) == 0 {
		return Committee{}
	}
	return m.Committees[len(m.Committees)-1]
}
