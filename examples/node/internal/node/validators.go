package node

import "encoding/hex"

// ValidatorInfo is one validator as /validators shows it.
type ValidatorInfo struct {
	ID     string `json:"id"`
	Shard  uint32 `json:"shard"`
	League string `json:"league"` // believable or normal
	Score  uint64 `json:"score"`
}

// EpochInfo is the current epoch and the randomness it was drawn from.
type EpochInfo struct {
	Epoch      uint64 `json:"epoch"`
	Randomness string `json:"randomness"`
	Source     string `json:"source"`
}

// Validators lists the validators of every shard with their league.
func (n *Node) Validators() []ValidatorInfo {
	a := n.Assignment()
	var out []ValidatorInfo
	for s, members := range a.Shards {
		for i, v := range members {
			league := "normal"
			if i < n.cfg.Believable {
				league = "believable"
			}
			out = append(out, ValidatorInfo{ID: v.ID, Shard: uint32(s), League: league, Score: v.Weight})
		}
	}
	return out
}

// EpochInfo reports the current epoch.
func (n *Node) EpochInfo() EpochInfo {
	e := n.Epoch()
	return EpochInfo{Epoch: e, Randomness: hex.EncodeToString(epochRandomness(e)), Source: "hash chain"}
}
