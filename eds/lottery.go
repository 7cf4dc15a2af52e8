package eds

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/ethereum/go-ethereum/rlp"
)

// VRFVerifier checks a verifiable random function proof: that proof was made
// by the holder of publicKey over input, and what its output is. eds declares
// it; drp implements it with unique BLS signatures.
type VRFVerifier interface {
	VerifyVRF(publicKey, input, proof []byte) (output []byte, err error)
}

// Member is a committee member taking part in the leader lottery.
type Member struct {
	ID        string
	PublicKey []byte
}

// Ticket is a member's lottery entry for one (epoch, view): the VRF output
// over LotteryInput(epoch, view) and its proof.
type Ticket struct {
	Epoch  uint64
	View   uint64
	Member string
	Output []byte
	Proof  []byte
}

// MaxTicketSize bounds an encoded ticket; larger input is rejected unread.
const MaxTicketSize = 1 << 10

// Encode returns the canonical (RLP) encoding of t.
func (t Ticket) Encode() []byte {
	b, err := rlp.EncodeToBytes(&t)
	if err != nil { // Ticket has only encodable fields
		panic(err)
	}
	return b
}

// DecodeTicket parses an encoded ticket. Oversized or malformed input is
// ErrDecode.
func DecodeTicket(b []byte) (Ticket, error) {
	if len(b) > MaxTicketSize {
		return Ticket{}, fmt.Errorf("%w: ticket of %d bytes", ErrDecode, len(b))
	}
	var t Ticket
	if err := rlp.DecodeBytes(b, &t); err != nil {
		return Ticket{}, fmt.Errorf("%w: %v", ErrDecode, err)
	}
	return t, nil
}

// LotteryInput is the message a member evaluates its VRF on for (epoch,
// view): a versioned domain tag and the two numbers, so a lottery output can
// never be replayed in another epoch, view or protocol.
func LotteryInput(epoch, view uint64) []byte {
	b := make([]byte, 0, 40)
	b = append(b, "iostkit/eds/lottery/v1"...)
	b = binary.BigEndian.AppendUint64(b, epoch)
	return binary.BigEndian.AppendUint64(b, view)
}

// Election names who leads the epoch's randomness run in a view and who
// stands by. Active is the member that should act now: the leader first, then
// each back-up in turn as its predecessors time out.
type Election struct {
	Epoch   uint64
	View    uint64
	Leader  string
	Backups []string
	Active  string
}

// LotteryReady is what the lottery asks of its caller after some Steps and
// Ticks. The caller acts on it and then calls Ready again later.
type LotteryReady struct {
	// NewView is set when a view starts: the caller computes its own ticket
	// for (Epoch, *NewView), feeds it to Step and broadcasts it.
	NewView *uint64
	// Elections lists each change of the active member, in order.
	Elections []Election
	// Excluded lists members newly excluded for the epoch (failed leaders).
	Excluded []string
}

// LotteryConfig configures a Lottery. Zero durations mean the defaults.
type LotteryConfig struct {
	Epoch   uint64
	Members []Member
	VRF     VRFVerifier
	// CollectTicks is Δ: how long a view collects tickets before ranking
	// them. Default DefaultCollectTicks.
	CollectTicks uint64
	// LeaderTimeout is how long the active member has to deliver before it
	// is excluded for the epoch and the next one takes over. Default
	// DefaultLeaderTimeout.
	LeaderTimeout uint64
}

// Defaults for LotteryConfig.
const (
	DefaultCollectTicks  = 10
	DefaultLeaderTimeout = 50
)

// Validate checks the configuration.
func (c LotteryConfig) Validate() error {
	if c.VRF == nil {
		return fmt.Errorf("%w: nil VRF verifier", ErrBadConfig)
	}
	if len(c.Members) == 0 {
		return fmt.Errorf("%w: no members", ErrBadConfig)
	}
	seen := map[string]bool{}
	for _, m := range c.Members {
		if m.ID == "" || len(m.PublicKey) == 0 {
			return fmt.Errorf("%w: member %q without id or key", ErrBadConfig, m.ID)
		}
		if seen[m.ID] {
			return fmt.Errorf("%w: %q", ErrDuplicateValidator, m.ID)
		}
		seen[m.ID] = true
	}
	return nil
}

// Lottery is the whitepaper's leader election with back-ups, as a
// deterministic state machine: fed tickets (Step), the passage of time (Tick)
// and the leader's success (Succeeded), it tells its caller what to do through
// Ready. It performs no I/O, reads no clock and draws no randomness: every
// honest node fed the same tickets in the same views reaches the same
// elections.
//
// Per view: tickets are collected for CollectTicks; the smallest valid VRF
// output (ties broken by member id) leads, the 2nd and 3rd are back-ups. The
// active member has LeaderTimeout ticks; on timeout it is excluded for the
// epoch and the next takes over. When all three have failed — or no valid
// ticket arrived — the view is bumped and the lottery reruns without the
// excluded members.
type Lottery struct {
	cfg      LotteryConfig
	keys     map[string][]byte
	view     uint64
	elapsed  uint64 // ticks since the current phase began
	tickets  map[uint64]map[string]Ticket
	ranked   []string // candidates of the current view, once ranked
	active   int      // index into ranked
	excluded map[string]bool
	done     bool
	ready    LotteryReady
}

// NewLottery starts a lottery at view 0. Its first Ready asks for the
// caller's view-0 ticket.
func NewLottery(cfg LotteryConfig) (*Lottery, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.CollectTicks == 0 {
		cfg.CollectTicks = DefaultCollectTicks
	}
	if cfg.LeaderTimeout == 0 {
		cfg.LeaderTimeout = DefaultLeaderTimeout
	}
	l := &Lottery{cfg: cfg, keys: map[string][]byte{}, tickets: map[uint64]map[string]Ticket{}, excluded: map[string]bool{}}
	for _, m := range cfg.Members {
		l.keys[m.ID] = m.PublicKey
	}
	v := uint64(0)
	l.ready.NewView = &v
	return l, nil
}

// View is the current view.
func (l *Lottery) View() uint64 { return l.view }

// Done reports whether a leader succeeded.
func (l *Lottery) Done() bool { return l.done }

// Excluded reports whether id was excluded for the epoch.
func (l *Lottery) Excluded(id string) bool { return l.excluded[id] }

// Step feeds a ticket, the caller's own or one received. It accepts tickets
// for the current and the next view (a fast peer may be ahead) and rejects,
// with a typed error and no state change: other epochs or views, unknown or
// excluded members, proofs that do not verify, outputs that do not match the
// proof (a member lying about its lottery), and a second, different ticket
// from one member. A repeated identical ticket is ignored.
func (l *Lottery) Step(t Ticket) error {
	if t.Epoch != l.cfg.Epoch || t.View < l.view || t.View > l.view+1 {
		return fmt.Errorf("%w: ticket %d/%d, lottery at %d/%d", ErrWrongView, t.Epoch, t.View, l.cfg.Epoch, l.view)
	}
	key, ok := l.keys[t.Member]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownMember, t.Member)
	}
	if l.excluded[t.Member] {
		return fmt.Errorf("%w: %q is excluded for epoch %d", ErrBadTicket, t.Member, t.Epoch)
	}
	if prev, ok := l.tickets[t.View][t.Member]; ok {
		if bytes.Equal(prev.Output, t.Output) && bytes.Equal(prev.Proof, t.Proof) {
			return nil
		}
		return fmt.Errorf("%w: %q in view %d", ErrDuplicateTicket, t.Member, t.View)
	}
	if t.View == l.view && l.ranked != nil {
		return fmt.Errorf("%w: ticket from %q after view %d closed", ErrWrongView, t.Member, t.View)
	}
	out, err := l.cfg.VRF.VerifyVRF(key, LotteryInput(t.Epoch, t.View), t.Proof)
	if err != nil {
		return fmt.Errorf("%w: %q: proof: %v", ErrBadTicket, t.Member, err)
	}
	if !bytes.Equal(out, t.Output) {
		return fmt.Errorf("%w: %q claims an output its proof does not give", ErrBadTicket, t.Member)
	}
	if l.tickets[t.View] == nil {
		l.tickets[t.View] = map[string]Ticket{}
	}
	l.tickets[t.View][t.Member] = t
	return nil
}

// Tick advances time by one tick.
func (l *Lottery) Tick() {
	if l.done {
		return
	}
	l.elapsed++
	if l.ranked == nil {
		if l.elapsed >= l.cfg.CollectTicks {
			l.rank()
		}
		return
	}
	if l.elapsed >= l.cfg.LeaderTimeout {
		failed := l.ranked[l.active]
		l.excluded[failed] = true
		l.ready.Excluded = append(l.ready.Excluded, failed)
		l.active++
		l.elapsed = 0
		if l.active < len(l.ranked) {
			l.elect()
		} else {
			l.bumpView()
		}
	}
}

// Succeeded tells the lottery that member's randomness run for view
// completed (the caller verified its output). It ends the lottery if member
// is the active one; anything else is ignored, so a late or forged claim
// cannot end it.
func (l *Lottery) Succeeded(view uint64, member string) {
	if !l.done && l.ranked != nil && view == l.view && l.active < len(l.ranked) && l.ranked[l.active] == member {
		l.done = true
	}
}

// Ready returns and clears what the caller must act on.
func (l *Lottery) Ready() LotteryReady {
	r := l.ready
	l.ready = LotteryReady{}
	return r
}

func (l *Lottery) rank() {
	var ts []Ticket
	for _, t := range l.tickets[l.view] {
		if !l.excluded[t.Member] {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		l.bumpView()
		return
	}
	slices.SortFunc(ts, func(a, b Ticket) int {
		if c := bytes.Compare(a.Output, b.Output); c != 0 {
			return c
		}
		if a.Member < b.Member {
			return -1
		}
		return 1 // members are unique within a view
	})
	if len(ts) > 3 {
		ts = ts[:3]
	}
	l.ranked = make([]string, len(ts))
	for i, t := range ts {
		l.ranked[i] = t.Member
	}
	l.active, l.elapsed = 0, 0
	l.elect()
}

func (l *Lottery) elect() {
	l.ready.Elections = append(l.ready.Elections, Election{
		Epoch:   l.cfg.Epoch,
		View:    l.view,
		Leader:  l.ranked[0],
		Backups: slices.Clone(l.ranked[1:]),
		Active:  l.ranked[l.active],
	})
}

func (l *Lottery) bumpView() {
	delete(l.tickets, l.view)
	l.view++
	l.ranked, l.active, l.elapsed = nil, 0, 0
	v := l.view
	l.ready.NewView = &v
}
