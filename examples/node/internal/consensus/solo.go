package consensus

import "github.com/iostkit/iostkit/examples/node/internal/chain"

// Solo is the development engine: every member of the committee lives in
// this process, so ordering needs no votes. Members take turns proposing,
// one block every Interval ticks; a block is optimistic when proposed and
// final one tick later, after the App verified it. It is what geth's --dev
// mode is to Ethereum: for local work and tests of everything but consensus.
type Solo struct {
	app      App
	members  []string
	interval int
	ticks    int
	turn     int
	pending  *chain.Block
	ready    Ready
}

var _ Engine = (*Solo)(nil)

// NewSolo returns a Solo engine over app. Interval < 1 means 1.
func NewSolo(app App, members []string, interval int) *Solo {
	if interval < 1 {
		interval = 1
	}
	return &Solo{app: app, members: append([]string(nil), members...), interval: interval}
}

// Tick implements Engine.
func (s *Solo) Tick() {
	s.ticks++
	if s.pending != nil {
		if s.app.Verify(s.pending) == nil {
			s.ready.Final = append(s.ready.Final, Final{Block: s.pending})
		}
		s.pending = nil
		return
	}
	if s.ticks%s.interval != 0 || len(s.members) == 0 {
		return
	}
	b := s.app.Propose(s.members[s.turn%len(s.members)])
	s.turn++
	s.pending = b
	s.ready.Optimistic = append(s.ready.Optimistic, b)
}

// Step implements Engine; Solo sends no messages, so it receives none.
func (s *Solo) Step(Message) error { return nil }

// Ready implements Engine.
func (s *Solo) Ready() Ready {
	r := s.ready
	s.ready = Ready{}
	return r
}
