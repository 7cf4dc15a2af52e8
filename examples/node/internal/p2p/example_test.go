package p2p_test

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/examples/node/internal/p2p"
	"github.com/iostkit/iostkit/pob"
)

// An engine message travels in an Envelope naming its shard and
// addressee; the receiver decodes both, and drops anything malformed.
func Example() {
	msg := pob.Message{Kind: pob.KindVote, Height: 12, Vote: &pob.Vote{Type: pob.Precommit, Height: 12}}
	raw, _ := msg.Encode()
	wire := p2p.Envelope{Shard: 3, To: common.Address{}, Msg: raw}.Encode()

	env, got, err := p2p.DecodeEnvelope(wire)
	fmt.Println(env.Shard, got.Kind, got.Height, err)

	_, _, err = p2p.DecodeEnvelope(wire[:len(wire)-1])
	fmt.Println(err != nil)
	// Output:
	// 3 vote 12 <nil>
	// true
}
