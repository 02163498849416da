package main

// The simulated vCenter: govmomi's simulator (vcsim) whose hosts and VMs mirror the fleet. Before
// every request from a client (and once a second for waiting clients) the fleet's state is copied
// into vcsim's objects, so what a reboot, a VM power change or maintenance mode did over SSH shows
// here at once; the methods vcsim lacks or gets wrong act on the fleet (hostops.go, vmops.go,
// services.go) and the next copy shows their effect.

import (
	"context"
	"log"
	"sync"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// internalKey marks calls of the in-process client: they neither copy the fleet nor get overridden.
type internalKey struct{}

type vmRecord struct {
	ref       types.ManagedObjectReference
	host      string
	signature string
}

type vcenter struct {
	model   *simulator.Model
	fleet   *fleetClient
	client  *vim25.Client
	folders *object.DatacenterFolders

	hosts       map[string]*simulator.HostSystem
	hostNames   map[types.ManagedObjectReference]string
	services    map[string]*serviceSystem
	clusters    map[string]*simulator.ClusterComputeResource
	hostCluster map[string]string
	datastores  map[string]string // cluster -> datastore name

	mu  sync.Mutex // one copy of the fleet at a time; never taken while holding an object's lock
	vms map[string]*vmRecord
	// VM name -> fleet host, for methods that run under the VM's lock (they cannot take mu).
	vmHosts sync.Map
	// The "ops" twins registered so far (handler).
	twins sync.Map
}

func (s *vcenter) internalContext() context.Context {
	return context.WithValue(context.Background(), internalKey{}, true)
}

// newContext is a vcsim context of its own (its own lock owner) for work outside a request.
func (s *vcenter) newContext() *simulator.Context {
	c := *s.model.Service.Context
	c.Context = s.internalContext()
	return &c
}

func isInternal(ctx *simulator.Context) bool {
	return ctx.Context != nil && ctx.Context.Value(internalKey{}) != nil
}

// handler runs before vcsim dispatches each method (Registry.Handler). An overridden method is
// sent to the object's "ops" twin, registered under a reference of its own: vcsim looks the
// handler up again by reference (the session's view), and its code expects hosts and VMs to be of
// its own types, so replacing the objects themselves is not an option.
func (s *vcenter) handler(ctx *simulator.Context, m *simulator.Method) (mo.Reference, types.BaseMethodFault) {
	if isInternal(ctx) {
		return nil, nil
	}
	s.syncNow()
	var ops mo.Reference
	switch {
	case m.This.Type == "HostSystem" && hostOverrides[m.Name]:
		if h, ok := s.model.Map().Get(m.This).(*simulator.HostSystem); ok {
			ops = &hostOps{host: h, s: s}
		}
	case m.This.Type == "VirtualMachine" && vmOverrides[m.Name]:
		if vm, ok := s.model.Map().Get(m.This).(*simulator.VirtualMachine); ok {
			ops = &vmOps{vm: vm, s: s}
		}
	}
	if ops != nil {
		m.This = s.opsRef(m.This, ops)
	}
	return nil, nil
}

// opsRef registers the twin of `ref` (once) and returns its reference.
func (s *vcenter) opsRef(ref types.ManagedObjectReference, ops mo.Reference) types.ManagedObjectReference {
	twin := types.ManagedObjectReference{Type: ref.Type + "Ops", Value: ref.Value}
	if _, loaded := s.twins.LoadOrStore(twin, true); !loaded {
		switch o := ops.(type) {
		case *hostOps:
			o.Self = twin
		case *vmOps:
			o.Self = twin
		}
		s.model.Map().Put(ops)
	}
	return twin
}

// syncNow copies the fleet's current state into vcsim.
func (s *vcenter) syncNow() {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, cancel := context.WithTimeout(s.internalContext(), 10*time.Second)
	defer cancel()
	state, err := s.fleet.state(ctx)
	if err != nil {
		log.Printf("cannot read the fleet: %v", err)
		return
	}
	for _, h := range state.Hosts {
		s.applyHost(h)
	}
	s.applyVMs(state)
}

func (s *vcenter) pollForever(every time.Duration) {
	for range time.Tick(every) {
		s.syncNow()
	}
}

func (s *vcenter) applyHost(h hostState) {
	host := s.hosts[h.Name]
	if host == nil {
		return
	}
	ctx := s.newContext()
	ctx.AutoUpdate(host, func() {
		if h.Power == "up" {
			host.Runtime.ConnectionState = types.HostSystemConnectionStateConnected
			host.Runtime.PowerState = types.HostSystemPowerStatePoweredOn
			boot := h.BootTime
			host.Runtime.BootTime = &boot
		} else {
			// A rebooting host stops answering vCenter; its boot time is the last one seen.
			host.Runtime.ConnectionState = types.HostSystemConnectionStateNotResponding
			host.Runtime.PowerState = types.HostSystemPowerStateUnknown
		}
		host.Runtime.InMaintenanceMode = h.MaintenanceMode
	})
	if ss := s.services[h.Name]; ss != nil {
		ctx.AutoUpdate(ss, func() { ss.setSSH(h.SSH) })
	}
}

// hostName is the fleet name of a vcsim host.
func (s *vcenter) hostName(ref types.ManagedObjectReference) string {
	return s.hostNames[ref]
}

// drsAutomated tells whether DRS evacuates the cluster's hosts by itself.
func (s *vcenter) drsAutomated(cluster string) bool {
	c := s.clusters[cluster]
	if c == nil {
		return false
	}
	automated := false
	s.newContext().WithLock(c, func() {
		if info, ok := c.ConfigurationEx.(*types.ClusterConfigInfoEx); ok {
			drs := info.DrsConfig
			automated = drs.Enabled != nil && *drs.Enabled &&
				drs.DefaultVmBehavior == types.DrsBehaviorFullyAutomated
		}
	})
	return automated
}
