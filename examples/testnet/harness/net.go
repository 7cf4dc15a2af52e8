package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// BuildNode compiles the example node into dir and returns the binary's
// path. It runs from the module root found above the working directory.
func BuildNode(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "node")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./examples/node")
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("harness: go build ./examples/node: %v\n%s", err, out.String())
	}
	return bin, nil
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(b, []byte("module github.com/iostkit/iostkit\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("harness: not inside the iostkit module")
		}
		dir = parent
	}
}

// Ports the harness gives its nodes: below Linux's default ephemeral range
// (32768–60999), which the kernel hands to every outgoing connection and
// every "port 0" listener on the machine. A node keeps its ports across
// restarts (its peers dial its address), so a port taken from that range
// could be in use by another process by the time the node restarts — a
// node that cannot bind is down for the whole run.
const (
	portLow  = 20000
	portHigh = 32000
)

// FreePort returns a loopback TCP port that is free now, drawn at random
// from the harness's range (see portLow), or from the kernel when that
// range seems full.
func FreePort() (int, error) {
	for range 64 {
		port := portLow + rand.IntN(portHigh-portLow)
		if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			l.Close()
			return port, nil
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// NodeState is what the harness did to a node last.
type NodeState int

// Node states.
const (
	Down NodeState = iota
	Up
	Paused
)

// Node is one node process of the testnet.
type Node struct {
	// Index is the node's validator index.
	Index int
	// API is a client of the node's HTTP API.
	API *Client

	net     *Network
	p2pPort int
	apiPort int
	dir     string
	logPath string

	mu       sync.Mutex
	cmd      *exec.Cmd
	done     chan struct{}
	state    NodeState
	expected bool // the harness is stopping it
	starts   int
}

// Network is a running testnet: one process per validator on loopback.
type Network struct {
	// M is the manifest the network runs.
	M Manifest
	// Nodes are the node processes, by validator index.
	Nodes []*Node

	bin   string
	dir   string
	peers string
	log   io.Writer

	mu         sync.Mutex
	unexpected []string
}

// Start launches m.Validators node processes of binary bin with their data
// under dir, and waits until every API answers. Close stops them.
func Start(ctx context.Context, m Manifest, bin, dir string, log io.Writer) (*Network, error) {
	m = m.WithDefaults()
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = io.Discard
	}
	n := &Network{M: m, bin: bin, dir: dir, log: log}
	var peers []string
	for i := 0; i < m.Validators; i++ {
		pp, err := FreePort()
		if err != nil {
			return nil, err
		}
		ap, err := FreePort()
		if err != nil {
			return nil, err
		}
		id, err := exec.CommandContext(ctx, bin, "peer-id", fmt.Sprint(i)).Output()
		if err != nil {
			return nil, fmt.Errorf("harness: node peer-id %d: %w", i, err)
		}
		peers = append(peers, fmt.Sprintf("/ip4/127.0.0.1/tcp/%d/p2p/%s", pp, strings.TrimSpace(string(id))))
		addr := fmt.Sprintf("127.0.0.1:%d", ap)
		n.Nodes = append(n.Nodes, &Node{
			Index: i, API: NewClient(addr, 3*time.Second), net: n, p2pPort: pp, apiPort: ap,
			dir: filepath.Join(dir, fmt.Sprintf("node%d", i)), logPath: filepath.Join(dir, fmt.Sprintf("node%d.log", i)),
		})
	}
	n.peers = strings.Join(peers, ",")
	for _, nd := range n.Nodes {
		if err := nd.start(time.Duration(m.Tick)); err != nil {
			n.Close()
			return nil, err
		}
	}
	for _, nd := range n.Nodes {
		if err := nd.WaitAPI(ctx, 60*time.Second); err != nil {
			n.Close()
			return nil, err
		}
	}
	return n, nil
}

// config is the node's TOML configuration for this network.
func (nd *Node) config(tick time.Duration) string {
	m := nd.net.M
	var b strings.Builder
	fmt.Fprintf(&b, "shards = %d\nvalidators = %d\nengine = %q\ntick = %q\nepoch_blocks = %d\n",
		m.Shards, m.Validators, m.Engine, tick.String(), m.EpochBlocks)
	if m.MempoolCapacity > 0 {
		fmt.Fprintf(&b, "[mempool]\ncapacity = %d\n", m.MempoolCapacity)
	}
	return b.String()
}

// start runs the node process with the given tick.
func (nd *Node) start(tick time.Duration) error {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	if err := os.MkdirAll(nd.dir, 0o755); err != nil {
		return err
	}
	cfg := filepath.Join(nd.net.dir, fmt.Sprintf("node%d.toml", nd.Index))
	if err := os.WriteFile(cfg, []byte(nd.config(tick)), 0o644); err != nil {
		return err
	}
	f, err := os.OpenFile(nd.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(f, "=== harness: start %d (tick %s) at %s\n", nd.starts, tick, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(nd.net.bin, "run", "--config", cfg,
		"--listen", fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", nd.p2pPort), "--peers", nd.net.peers,
		"--validator-index", fmt.Sprint(nd.Index), "--api", fmt.Sprintf("127.0.0.1:%d", nd.apiPort),
		"--data-dir", nd.dir, "--quiet", "--log-level", "warn", "--debug-api")
	cmd.Args = append(cmd.Args, nd.net.M.NodeArgs...)
	cmd.Stdout, cmd.Stderr = f, f
	// The node dies with the harness, and signals to the harness's process
	// group (Ctrl-C) do not reach it directly.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	nd.starts++
	nd.cmd, nd.done, nd.state, nd.expected = cmd, make(chan struct{}), Up, false
	go nd.wait(cmd, nd.done)
	return nil
}

func (nd *Node) wait(cmd *exec.Cmd, done chan struct{}) {
	err := cmd.Wait()
	nd.mu.Lock()
	expected := nd.expected
	if nd.cmd == cmd {
		nd.state = Down
	}
	nd.mu.Unlock()
	close(done)
	if !expected {
		nd.net.mu.Lock()
		nd.net.unexpected = append(nd.net.unexpected, fmt.Sprintf("node %d exited on its own (%v); log tail:\n%s", nd.Index, err, nd.LogTail(2000)))
		nd.net.mu.Unlock()
	}
}

// State is what the harness last did to the node.
func (nd *Node) State() NodeState {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	return nd.state
}

// Pid is the node's current process id (0 when down).
func (nd *Node) Pid() int {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	if nd.state == Down || nd.cmd == nil {
		return 0
	}
	return nd.cmd.Process.Pid
}

// signal sends sig and, for a stopping signal, waits for the exit.
func (nd *Node) stop(sig syscall.Signal, grace time.Duration) {
	nd.mu.Lock()
	cmd, done := nd.cmd, nd.done
	if cmd == nil || nd.state == Down {
		nd.mu.Unlock()
		return
	}
	nd.expected = true
	nd.mu.Unlock()
	_ = cmd.Process.Signal(sig)
	if sig != syscall.SIGKILL {
		_ = cmd.Process.Signal(syscall.SIGCONT)
	}
	select {
	case <-done:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-done
	}
}

// Kill sends SIGKILL and waits for the process to be gone.
func (nd *Node) Kill() { nd.stop(syscall.SIGKILL, time.Minute) }

// Terminate sends SIGTERM and waits up to 15 s before killing.
func (nd *Node) Terminate() { nd.stop(syscall.SIGTERM, 15*time.Second) }

// ExpectExit tells the harness that the node is about to stop by itself
// (a perturbation that makes it exit): its exit is not a crash.
func (nd *Node) ExpectExit() {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	nd.expected = true
}

// WaitExit waits up to d for the node's process to exit.
func (nd *Node) WaitExit(ctx context.Context, d time.Duration) error {
	nd.mu.Lock()
	done := nd.done
	nd.mu.Unlock()
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return fmt.Errorf("harness: node %d still running after %s", nd.Index, d)
	}
}

// Pause sends SIGSTOP.
func (nd *Node) Pause() error {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	if nd.state != Up {
		return fmt.Errorf("harness: node %d is not up", nd.Index)
	}
	nd.state = Paused
	return nd.cmd.Process.Signal(syscall.SIGSTOP)
}

// Resume sends SIGCONT to a paused node.
func (nd *Node) Resume() error {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	if nd.state != Paused {
		return nil
	}
	nd.state = Up
	return nd.cmd.Process.Signal(syscall.SIGCONT)
}

// Restart starts a stopped node again on its data directory with tick.
func (nd *Node) Restart(tick time.Duration) error { return nd.start(tick) }

// WaitAPI polls the node's /status until it answers or d passes.
func (nd *Node) WaitAPI(ctx context.Context, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := nd.API.Status(cctx)
		cancel()
		if err == nil {
			return nil
		}
		if nd.State() == Down {
			return fmt.Errorf("harness: node %d exited before its API answered; log tail:\n%s", nd.Index, nd.LogTail(2000))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("harness: node %d API not up after %s: %v", nd.Index, d, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// LogTail returns the last n bytes of the node's log.
func (nd *Node) LogTail(n int) string {
	b, _ := os.ReadFile(nd.logPath)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// LogCount counts the lines of the node's log that contain s.
func (nd *Node) LogCount(s string) int {
	b, _ := os.ReadFile(nd.logPath)
	return bytes.Count(b, []byte(s))
}

// Convictions returns the convictions the node logged, each as
// "shard S height H validator V reason R".
func (nd *Node) Convictions() []string {
	b, _ := os.ReadFile(nd.logPath)
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.Contains(line, `msg="validator convicted"`) {
			continue
		}
		f := map[string]string{}
		for _, kv := range strings.Fields(line) {
			if k, v, ok := strings.Cut(kv, "="); ok {
				f[k] = v
			}
		}
		out = append(out, fmt.Sprintf("shard %s height %s validator %s reason %s", f["shard"], f["height"], f["validator"], f["reason"]))
	}
	return out
}

// Unexpected lists the nodes that exited without the harness stopping them.
func (n *Network) Unexpected() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.unexpected...)
}

// Live returns the nodes that are up (not paused or down).
func (n *Network) Live() []*Node {
	var out []*Node
	for _, nd := range n.Nodes {
		if nd.State() == Up {
			out = append(out, nd)
		}
	}
	return out
}

// Close kills every node process.
func (n *Network) Close() {
	for _, nd := range n.Nodes {
		nd.Kill()
	}
}

// RSS returns the resident set size of process pid in bytes, from
// /proc/pid/status.
func RSS(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb uint64
			if _, err := fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kb); err != nil {
				return 0, err
			}
			return kb * 1024, nil
		}
	}
	return 0, errors.New("harness: no VmRSS")
}
