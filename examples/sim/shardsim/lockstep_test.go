package shardsim_test

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/iostkit/iostkit/examples/sim/shardsim"
)

// lockstep is a deliberately small engine for exercising the simulator: the
// leader of height h is member (h+n−1) mod n, it proposes, everybody votes
// for the first proposal it sees at its height, and 2f+1 votes finalize.
// There is no view change, so a silent leader stalls it: it is a test
// double, not a consensus protocol.
type lockstep struct {
	me, n    int
	height   uint64
	proposed bool
	voted    bool
	votes    map[[32]byte]map[int]bool
	blocks   map[[32]byte][]byte
	ready    shardsim.Ready
}

type lsMsg struct {
	vote    bool
	height  uint64
	id      [32]byte
	payload []byte
}

type lockstepProtocol struct{ sample float64 }

func (lockstepProtocol) Name() string        { return "lockstep" }
func (lockstepProtocol) TicksPerSecond() int { return 100 }

func (lockstepProtocol) NewEngine(_, member, size int, _ uint64) (shardsim.Engine, error) {
	return &lockstep{me: member, n: size, votes: map[[32]byte]map[int]bool{}, blocks: map[[32]byte][]byte{}}, nil
}

func (p lockstepProtocol) Meta(msg any) shardsim.MsgMeta {
	m := msg.(lsMsg)
	if m.vote {
		return shardsim.MsgMeta{Kind: "vote", Size: 48 + 8 + 32, Sigs: 1, Signs: 1}
	}
	return shardsim.MsgMeta{Kind: "proposal", Size: 48 + 8 + 32 + len(m.payload), Payloads: [][]byte{m.payload}, Verify: p.sample, Sigs: 1, Signs: 1}
}

func (l *lockstep) leader() int { return int((l.height + uint64(l.n) - 1) % uint64(l.n)) }

func (l *lockstep) Tick() {}

func (l *lockstep) WantsPayload() bool { return l.leader() == l.me && !l.proposed }

func (l *lockstep) Propose(payload []byte) {
	l.proposed = true
	var hb [8]byte
	binary.BigEndian.PutUint64(hb[:], l.height)
	id := sha256.Sum256(append(hb[:], payload...))
	m := lsMsg{height: l.height, id: id, payload: payload}
	l.ready.Messages = append(l.ready.Messages, shardsim.Outbound{To: shardsim.Broadcast, Msg: m})
	l.Step(l.me, m)
}

func (l *lockstep) Step(from int, msg any) {
	m := msg.(lsMsg)
	if m.height != l.height {
		return
	}
	if !m.vote {
		l.blocks[m.id] = m.payload
		if !l.voted {
			l.voted = true
			v := lsMsg{vote: true, height: m.height, id: m.id}
			l.ready.Messages = append(l.ready.Messages, shardsim.Outbound{To: shardsim.Broadcast, Msg: v})
			l.Step(l.me, v)
		}
		return
	}
	if l.votes[m.id] == nil {
		l.votes[m.id] = map[int]bool{}
	}
	l.votes[m.id][from] = true
	payload, known := l.blocks[m.id]
	if known && len(l.votes[m.id]) >= l.n-(l.n-1)/3 {
		l.ready.Final = append(l.ready.Final, shardsim.Block{Height: l.height, ID: m.id, Payloads: [][]byte{payload}})
		l.height++
		l.proposed, l.voted = false, false
		l.votes = map[[32]byte]map[int]bool{}
		l.blocks = map[[32]byte][]byte{}
	}
}

func (l *lockstep) Ready() shardsim.Ready {
	r := l.ready
	l.ready = shardsim.Ready{}
	return r
}
