package pobsim

import "math/rand/v2"

// Scenario draws a random adversarial simulation from seed: a normal league
// of 4–7 with up to f Byzantine members (vote equivocation, withholding,
// Twins), a believable league of 0–3 with honest, silent, fraudulent or
// equivocating producers, message loss, crashes and a partition. With
// light set, producers carry no transactions (the runs then exercise the
// BFT finality and its fault handling, and are cheap: their signatures
// repeat across seeds).
func Scenario(seed uint64, light bool) Options {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	n := 4 + rng.IntN(4)
	f := (n - 1) / 3
	o := Options{Seed: seed, Normal: make([]Behaviour, n)}
	byz := []Behaviour{EquivocateVotes, WithholdVotes, Twin}
	for range rng.IntN(f + 1) {
		o.Normal[rng.IntN(n)] = byz[rng.IntN(len(byz))]
	}
	prod := []Behaviour{Honest, Honest, Silent, FraudProducer, EquivocateProducer}
	for range rng.IntN(4) {
		o.Believable = append(o.Believable, prod[rng.IntN(len(prod))])
	}
	o.DropPerMille = []uint32{0, 0, 50, 150}[rng.IntN(4)]
	o.Crashes = rng.IntN(3)
	o.Partition = rng.IntN(2) == 0
	o.ChaosTicks = 30 + rng.Uint64N(20)
	if !light {
		o.ChaosTicks = 25 + rng.Uint64N(15)
		o.TxsPer = 1 + rng.IntN(2)
		o.SamplePPM = []uint32{300_000, 1_000_000}[rng.IntN(2)]
	}
	return o
}
