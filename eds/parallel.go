package eds

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"
)

// ForEachShard runs fn for shards 0..shards-1 concurrently, at most limit at
// a time (limit ≤ 0 means one per shard). The first error cancels the context
// passed to the others and is returned, wrapped with its shard; ForEachShard
// returns only after every started fn has returned.
func ForEachShard(ctx context.Context, shards uint32, limit int, fn func(ctx context.Context, shard uint32) error) error {
	parent := ctx
	g, ctx := errgroup.WithContext(ctx)
	if limit > 0 {
		g.SetLimit(limit)
	}
	for s := range shards {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(ctx, s); err != nil {
				return fmt.Errorf("shard %d: %w", s, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return parent.Err() // cancelled before every shard started
}
