package shardsim

import (
	"encoding/binary"
	"time"
)

// chunk is n transfers that arrived together, bound for shard to. An import
// is the destination half of a cross-shard transfer whose source shard has
// finalized its lock.
type chunk struct {
	arrived time.Duration
	to      uint32
	n       int
	imp     bool
}

// mempool is a shard's pool of pending transfers: imports first (they
// finish transfers already locked elsewhere), then new transfers, each in
// arrival order. It stands for the pool every member holds after gossip.
type mempool struct {
	imports, txs []chunk
	size         int
	msgs         []*xmsg // atomix messages from other shards, in arrival order
}

// empty reports whether there is nothing to propose.
func (m *mempool) empty() bool { return m.size == 0 && len(m.msgs) == 0 }

// addMsg queues an atomix message; its credits count as pending transfers.
func (m *mempool) addMsg(x *xmsg) {
	m.msgs = append(m.msgs, x)
	m.size += x.credits
}

// takeMsgs removes atomix messages, oldest first, while their credits fit
// in limit (at least one), and returns them with their credits.
func (m *mempool) takeMsgs(limit int) ([]*xmsg, int) {
	var out []*xmsg
	n := 0
	for len(m.msgs) > 0 && (len(out) == 0 || n+m.msgs[0].credits <= limit) {
		x := m.msgs[0]
		m.msgs[0] = nil
		m.msgs = m.msgs[1:]
		out = append(out, x)
		n += x.credits
		m.size -= x.credits
	}
	return out, n
}

func (m *mempool) add(c chunk) {
	if c.n <= 0 {
		return
	}
	if c.imp {
		m.imports = append(m.imports, c)
	} else {
		m.txs = append(m.txs, c)
	}
	m.size += c.n
}

// take removes up to limit transfers, oldest imports first.
func (m *mempool) take(limit int) []chunk {
	var out []chunk
	for _, q := range []*[]chunk{&m.imports, &m.txs} {
		for limit > 0 && len(*q) > 0 {
			c := (*q)[0]
			if c.n > limit {
				part := c
				part.n = limit
				(*q)[0].n -= limit
				c = part
			} else {
				(*q)[0] = chunk{}
				*q = (*q)[1:]
			}
			out = append(out, c)
			limit -= c.n
			m.size -= c.n
		}
	}
	return out
}

// batch is the content of one proposed block: the simulator keeps the
// transfers and hands the engine a 16-byte reference to them.
type batch struct {
	id        uint64
	shard     uint32
	chunks    []chunk
	txs       int
	msgs      []*xmsg // atomix messages the block carries
	credits   int     // transfers those messages credit (counted in txs)
	msgBytes  int     // their encoded size
	optimists bool    // optimistic confirmation recorded
	final     bool    // finalization recorded
}

var payloadMagic = [4]byte{'S', 'I', 'M', 'B'}

func encodePayload(shard uint32, id uint64) []byte {
	b := make([]byte, 16)
	copy(b, payloadMagic[:])
	binary.BigEndian.PutUint32(b[4:], shard)
	binary.BigEndian.PutUint64(b[8:], id)
	return b
}

func decodePayload(b []byte) (shard uint32, id uint64, ok bool) {
	if len(b) != 16 || [4]byte(b[:4]) != payloadMagic {
		return 0, 0, false
	}
	return binary.BigEndian.Uint32(b[4:]), binary.BigEndian.Uint64(b[8:]), true
}

// IsPayload reports whether b is a batch reference the simulator handed to
// an engine's Propose.
func IsPayload(b []byte) bool {
	_, _, ok := decodePayload(b)
	return ok
}
