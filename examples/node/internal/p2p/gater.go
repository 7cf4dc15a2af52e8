package p2p

import (
	"sync"

	"github.com/libp2p/go-libp2p/core/connmgr"
	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// gater refuses connections to and from a set of blocked peers. It exists
// for testing: a reliability harness on loopback cannot cut traffic between
// processes without root, so the node cuts it itself when asked
// (Host.BlockPeers, reachable only behind the node's debug API). With an
// empty set it allows everything.
type gater struct {
	mu      sync.RWMutex
	blocked map[peer.ID]bool
}

var _ connmgr.ConnectionGater = (*gater)(nil)

func (g *gater) isBlocked(p peer.ID) bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.blocked[p]
}

// set replaces the blocked set.
func (g *gater) set(ps []peer.ID) {
	m := make(map[peer.ID]bool, len(ps))
	for _, p := range ps {
		m[p] = true
	}
	g.mu.Lock()
	g.blocked = m
	g.mu.Unlock()
}

func (g *gater) InterceptPeerDial(p peer.ID) bool { return !g.isBlocked(p) }

func (g *gater) InterceptAddrDial(p peer.ID, _ ma.Multiaddr) bool { return !g.isBlocked(p) }

// InterceptAccept cannot know the peer yet (only its address, and every
// validator is on loopback): InterceptSecured decides.
func (g *gater) InterceptAccept(network.ConnMultiaddrs) bool { return true }

func (g *gater) InterceptSecured(_ network.Direction, p peer.ID, _ network.ConnMultiaddrs) bool {
	return !g.isBlocked(p)
}

func (g *gater) InterceptUpgraded(c network.Conn) (bool, control.DisconnectReason) {
	return !g.isBlocked(c.RemotePeer()), 0
}

// BlockPeers cuts this host off from the validators at the given indices
// until the next call, which replaces the set (an empty set heals): it
// refuses their connections both ways and closes the open ones. It is a test
// hook for partitions (the node exposes it only with its debug API); a
// partition is made by calling it on both sides.
func (x *Host) BlockPeers(indices []int) {
	ids := make([]peer.ID, 0, len(indices))
	for _, i := range indices {
		if i != x.cfg.Index {
			ids = append(ids, PeerID(i))
		}
	}
	x.gater.set(ids)
	for _, p := range ids {
		x.mu.Lock()
		os := x.streams[p]
		delete(x.streams, p)
		x.mu.Unlock()
		if os != nil {
			os.mu.Lock()
			if os.s != nil {
				_ = os.s.Reset()
			}
			os.mu.Unlock()
		}
		_ = x.h.Network().ClosePeer(p)
	}
	x.log.Info("p2p: blocked peers", "validators", indices)
}
