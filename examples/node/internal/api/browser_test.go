package api_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// chromium is where Debian's chromium package installs the browser.
const chromium = "/usr/bin/chromium"

// TestWebPageInChromium loads the live page in headless Chromium against a
// running node and checks what the browser rendered: every shard's row, the
// leagues, and finalized blocks, all filled in by the page's script from
// the API.
func TestWebPageInChromium(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("%s not found: install Debian's chromium package to run the browser test", chromium)
	}
	n, srv := testNode(t)
	require.Eventually(t, func() bool { return n.Shards()[0].Height() >= 2 && n.Shards()[1].Height() >= 2 }, 60*time.Second, 20*time.Millisecond)

	var dom string
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, chromium,
			"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--user-data-dir="+t.TempDir(), "--virtual-time-budget=5000", "--dump-dom", srv.URL+"/")
		out, err := cmd.Output()
		if err != nil {
			t.Logf("chromium: %v", err)
			return false
		}
		dom = string(out)
		return strings.Contains(dom, `data-loaded="yes"`)
	}, 3*time.Minute, time.Second, "the page's script loaded the node's state")

	require.Contains(t, dom, "<title>iostkit node</title>")
	require.Contains(t, dom, "engine pob")
	shardRows := strings.Count(dom[strings.Index(dom, `id="shards"`):strings.Index(dom, `id="leagues"`)], "<tr>")
	require.Equal(t, 1+shards, shardRows, "a header and one row per shard")
	require.Contains(t, dom, `class="final"`, "recent finalized blocks are listed")
	require.Contains(t, dom, "v0", "validators appear in the leagues")
	require.Contains(t, dom, `<div id="err"></div>`, "no error shown")
}
