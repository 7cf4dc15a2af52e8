package transepoch

import (
	"errors"
	"fmt"
)

// Deps are the node parts a Driver calls. Bootstrapper, Sink and Resharer
// are required; Sync is optional (nil: sync reports arrive as Synced events
// through Driver.Step).
type Deps struct {
	Bootstrapper Bootstrapper
	Sync         SyncReporter
	Sink         CommitteeSink
	Resharer     Resharer
}

// Driver runs a Machine against the node's interfaces: it polls the
// SyncReporter for the current batch's newcomers, ticks the machine and
// carries out its Ready. Use a bare Machine instead when the node prefers
// to handle Ready itself.
type Driver struct {
	m    *Machine
	deps Deps
}

// NewDriver wraps m and carries out its first Ready (the starting
// committee) at once.
func NewDriver(m *Machine, deps Deps) (*Driver, error) {
	if m == nil || deps.Bootstrapper == nil || deps.Sink == nil || deps.Resharer == nil {
		return nil, fmt.Errorf("%w: driver needs a machine, a Bootstrapper, a CommitteeSink and a Resharer", ErrBadConfig)
	}
	d := &Driver{m: m, deps: deps}
	return d, d.flush()
}

// Machine returns the driven machine.
func (d *Driver) Machine() *Machine { return d.m }

// Tick polls sync progress, advances the machine by one tick and carries
// out what it asks. Errors of the node's interfaces are joined and
// returned; the machine has moved on regardless, so a caller retries the
// failed call, not the tick.
func (d *Driver) Tick() error {
	if d.deps.Sync != nil {
		for _, id := range d.m.unsynced() {
			if d.deps.Sync.Synced(d.m.shard, d.m.epoch, id) {
				if err := d.m.Step(Event{Kind: Synced, Epoch: d.m.epoch, Shard: d.m.shard, Validator: id}); err != nil {
					return err
				}
			}
		}
	}
	d.m.Tick()
	return d.flush()
}

// Step feeds one event to the machine and carries out what it asks.
func (d *Driver) Step(e Event) error {
	if err := d.m.Step(e); err != nil {
		return err
	}
	return d.flush()
}

func (d *Driver) flush() error {
	if !d.m.HasReady() {
		return nil
	}
	r := d.m.Ready()
	var errs []error
	if r.Committee != nil {
		if err := d.deps.Sink.SetCommittee(*r.Committee); err != nil {
			errs = append(errs, fmt.Errorf("hand over committee v%d: %w", r.Committee.Version, err))
		}
	}
	for _, id := range r.Bootstrap {
		if err := d.deps.Bootstrapper.Bootstrap(d.m.shard, d.m.epoch, id); err != nil {
			errs = append(errs, fmt.Errorf("bootstrap %s: %w", id, err))
		}
	}
	if r.Reshare != nil {
		if err := d.deps.Resharer.Reshare(*r.Reshare); err != nil {
			errs = append(errs, fmt.Errorf("reshare to committee v%d: %w", r.Reshare.To.Version, err))
		}
	}
	return errors.Join(errs...)
}
