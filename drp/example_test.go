package drp_test

import (
	"crypto/sha256"
	"fmt"
	"io"

	"github.com/drand/kyber"
	"github.com/drand/kyber/xof/blake2xb"
	"github.com/iostkit/iostkit/drp"
)

// A 5-member committee runs a DKG over an in-memory broadcast and then
// produces three chained beacon rounds, which a client verifies with the
// group public key alone.
func Example() {
	scheme := drp.MustScheme(drp.SchemeChained)
	const n, threshold = 5, 3
	seed := func(s string) kyber.XOF { h := sha256.Sum256([]byte(s)); return blake2xb.New(h[:]) }

	// Long-term keys and the committee.
	sks := make([]kyber.Scalar, n)
	members := make([]drp.Member, n)
	for i := range members {
		sk, pk := drp.NewLongtermKey(scheme, seed(fmt.Sprint("key", i)))
		sks[i], members[i] = sk, drp.Member{Index: uint32(i), Public: pk}
	}
	nonce := sha256.Sum256([]byte("example-chain/epoch-1/dkg"))
	nodes := make([]*drp.DKG, n)
	for i := range nodes {
		d, err := drp.NewDKG(drp.DKGConfig{Scheme: scheme, Longterm: sks[i], Members: members,
			Threshold: threshold, Nonce: nonce[:], Rand: seed(fmt.Sprint("dkg", i))})
		if err != nil {
			panic(err)
		}
		nodes[i] = d
	}

	// The transport: every message goes to every other member.
	var inflight [][]byte
	send := func(ms []drp.DKGMessage) {
		for _, m := range ms {
			b, _ := m.MarshalBinary()
			inflight = append(inflight, b)
		}
	}
	for _, d := range nodes {
		out, _ := d.Start()
		send(out)
	}
	for len(inflight) > 0 {
		b := inflight[0]
		inflight = inflight[1:]
		for _, d := range nodes {
			m, _ := drp.UnmarshalDKGMessage(scheme, b)
			out, _ := d.Step(m) // a node's own message is a harmless repeat
			send(out)
		}
	}
	shares := make([]*drp.KeyShare, n)
	for i, d := range nodes {
		ks, err := d.Result()
		if err != nil {
			panic(err)
		}
		shares[i] = ks
	}
	group := shares[0].Group()
	fmt.Println("group key bytes:", len(group.PublicKeyBytes()), "threshold:", group.Threshold())

	// Three rounds; members 1 and 3 are offline.
	client, _ := drp.NewVerifier(scheme, group.PublicKeyBytes())
	var prev []byte
	for round := uint64(1); round <= 3; round++ {
		c := drp.NewRoundCollector(group, round, prev)
		var b *drp.Beacon
		for _, i := range []int{0, 2, 4} {
			p, _ := drp.NewSigner(shares[i]).SignPartial(round, prev)
			b, _ = c.Add(p)
		}
		fmt.Println("round", b.Round, "accepted:", client.Accept(b) == nil, "randomness bytes:", len(b.Randomness()))
		prev = b.Signature
	}
	// Output:
	// group key bytes: 48 threshold: 3
	// round 1 accepted: true randomness bytes: 32
	// round 2 accepted: true randomness bytes: 32
	// round 3 accepted: true randomness bytes: 32
}

// The VRF behind eds's leader lottery: prove with a secret key, verify with
// the public key; the output is SHA-256 of the proof.
func ExampleVRF() {
	v := drp.NewVRF()
	h := sha256.Sum256([]byte("validator-7"))
	sk, pk, _ := v.KeyPair(blake2xb.New(h[:]))
	out, proof, _ := v.Prove(sk, []byte("epoch 12 view 0"))
	got, err := v.VerifyVRF(pk, []byte("epoch 12 view 0"), proof)
	fmt.Println(err == nil, string(got) == string(out), len(proof))
	_, err = v.VerifyVRF(pk, []byte("epoch 12 view 1"), proof)
	fmt.Println(err != nil)
	// Output:
	// true true 48
	// true
}

// ExampleRunLocalDKG sets up a beacon group whose four members all live in
// this process — as a single-process test network or a simulator does —
// and recovers round 1 from three partials.
func ExampleRunLocalDKG() {
	scheme := drp.MustScheme(drp.SchemeUnchainedG1)
	stream := func(label string) io.Reader {
		h := sha256.Sum256([]byte(label))
		return blake2xb.New(h[:])
	}
	var members []drp.Member
	var secrets []kyber.Scalar
	for i := range 4 {
		sk, pk := drp.NewLongtermKey(scheme, stream(fmt.Sprint("key", i)))
		members = append(members, drp.Member{Index: uint32(i), Public: pk})
		secrets = append(secrets, sk)
	}
	nonce := sha256.Sum256([]byte("example session")) // names this DKG session
	var cfgs []drp.DKGConfig
	for i := range members {
		cfgs = append(cfgs, drp.DKGConfig{Scheme: scheme, Longterm: secrets[i], Members: members, Nonce: nonce[:], Rand: stream(fmt.Sprint("poly", i))})
	}
	shares, err := drp.RunLocalDKG(cfgs)
	if err != nil {
		panic(err)
	}
	group := shares[0].Group()
	collector := drp.NewRoundCollector(group, 1, nil)
	var beacon *drp.Beacon
	for _, ks := range shares[:group.Threshold()] {
		p, err := drp.NewSigner(ks).SignPartial(1, nil)
		if err != nil {
			panic(err)
		}
		if beacon, err = collector.Add(p); err != nil {
			panic(err)
		}
	}
	fmt.Println("members:", group.Size(), "threshold:", group.Threshold())
	fmt.Println("beacon verifies:", group.VerifyBeacon(beacon) == nil)
	// Output:
	// members: 4 threshold: 3
	// beacon verifies: true
}
