package engines

import (
	"github.com/ethereum/go-ethereum/common"

	"github.com/iostkit/iostkit/examples/sim/shardsim"
)

var _ shardsim.Rebuilder = (*Protocol)(nil)

// validatorKeys is the key space of validators named by a global index
// (shardsim.Rebuilder), apart from the per-shard keys of NewEngine.
const validatorKeys = -1

// NewEngineFor implements shardsim.Rebuilder: validator committee[self]'s
// engine in a committee of the validators committee (global indices, in
// member order: the first ones form the believable league), in pob domain
// epoch domain — a new one per committee, so no message of another
// committee is accepted — starting at height start on top of parent. A
// validator keeps its key whatever committee it joins.
func (p *Protocol) NewEngineFor(shard int, committee []int, self int, seed, domain, start uint64, parent [32]byte) (shardsim.Engine, error) {
	kps := make([]keyPair, len(committee))
	for i, v := range committee {
		kps[i] = p.key(seed, validatorKeys, v)
	}
	return p.build(shard, kps, self, domain, start, common.Hash(parent))
}
