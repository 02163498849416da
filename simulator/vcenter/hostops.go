package main

// HostSystem methods that act on the fleet: maintenance mode (DRS evacuates the VMs it can move,
// then the entry waits for the rest to stop, or fails with Timeout), RebootHost_Task (missing from
// vcsim) and the refusal of what the fleet cannot do.

import (
	"context"
	"log"
	"sort"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

var hostOverrides = map[string]bool{
	"EnterMaintenanceMode_Task": true,
	"ExitMaintenanceMode_Task":  true,
	"RebootHost_Task":           true,
	"ShutdownHost_Task":         true,
	"DisconnectHost_Task":       true,
	"Destroy_Task":              true,
}

// hostOps is a host's twin (vcenter.handler): it receives the host's overridden methods.
type hostOps struct {
	Self types.ManagedObjectReference
	host *simulator.HostSystem
	s    *vcenter
}

func (h *hostOps) Reference() types.ManagedObjectReference { return h.Self }

func (h *hostOps) name() string { return h.s.hostName(h.host.Self) }

func (h *hostOps) EnterMaintenanceModeTask(ctx *simulator.Context, req *types.EnterMaintenanceMode_Task) soap.HasFault {
	name := h.name()
	vsanMode := string(types.VsanHostDecommissionModeObjectActionEnsureObjectAccessibility)
	if spec := req.MaintenanceSpec; spec != nil && spec.VsanMode != nil && spec.VsanMode.ObjectAction != "" {
		vsanMode = spec.VsanMode.ObjectAction
	}
	task := h.s.startTask(ctx, h.host, "enterMaintenanceMode", func(progress func(int32)) (types.AnyType, *types.LocalizedMethodFault) {
		call := h.s.internalContext()
		body := map[string]any{"enable": true, "timeoutSeconds": req.Timeout, "vsanMode": vsanMode}
		// The host holds the entry from the start, while DRS moves the VMs (each vMotion takes its
		// time): VM power-ons are refused and an esxcli entry over SSH joins this one. The task ends
		// when the host is in maintenance mode, or at its timeout even if vMotions still run.
		entered := make(chan *types.LocalizedMethodFault, 1)
		go func() { entered <- faultFor(h.s.fleet.act(call, "POST", hostPath(name, "maintenance"), body)) }()
		evacuated := make(chan struct{})
		go func() {
			h.s.evacuate(call, name, progress)
			close(evacuated)
		}()
		fault := <-entered
		if fault == nil {
			// Entered: no VM runs on the host any more, so every vMotion has landed; the task's
			// progress shows them all before it completes.
			<-evacuated
		}
		return nil, fault
	})
	return &methods.EnterMaintenanceMode_TaskBody{Res: &types.EnterMaintenanceMode_TaskResponse{Returnval: task}}
}

func (h *hostOps) ExitMaintenanceModeTask(ctx *simulator.Context, req *types.ExitMaintenanceMode_Task) soap.HasFault {
	name := h.name()
	task := h.s.startTask(ctx, h.host, "exitMaintenanceMode", func(func(int32)) (types.AnyType, *types.LocalizedMethodFault) {
		body := map[string]any{"enable": false}
		return nil, faultFor(h.s.fleet.act(h.s.internalContext(), "POST", hostPath(name, "maintenance"), body))
	})
	return &methods.ExitMaintenanceMode_TaskBody{Res: &types.ExitMaintenanceMode_TaskResponse{Returnval: task}}
}

// RebootHostTask: without force the host must be in maintenance mode; the task ends once the host
// has accepted the reboot, not when it is back (as on a real vCenter).
func (h *hostOps) RebootHostTask(ctx *simulator.Context, req *types.RebootHost_Task) soap.HasFault {
	name := h.name()
	task := h.s.startTask(ctx, h.host, "rebootHost", func(func(int32)) (types.AnyType, *types.LocalizedMethodFault) {
		body := map[string]any{"force": req.Force}
		return nil, faultFor(h.s.fleet.act(h.s.internalContext(), "POST", hostPath(name, "reboot"), body))
	})
	return &methods.RebootHost_TaskBody{Res: &types.RebootHost_TaskResponse{Returnval: task}}
}

func notSimulated(what string) *soap.Fault {
	return simulator.Fault(what+" is not simulated: the fleet has no such transition", &types.NotSupported{})
}

func (h *hostOps) ShutdownHostTask(*types.ShutdownHost_Task) soap.HasFault {
	return &methods.ShutdownHost_TaskBody{Fault_: notSimulated("ShutdownHost_Task")}
}

func (h *hostOps) DisconnectHostTask(*types.DisconnectHost_Task) soap.HasFault {
	return &methods.DisconnectHost_TaskBody{Fault_: notSimulated("DisconnectHost_Task")}
}

func (h *hostOps) DestroyTask(*types.Destroy_Task) soap.HasFault {
	return &methods.Destroy_TaskBody{Fault_: notSimulated("removing a host")}
}

// evacuate is DRS (fully automated) at a maintenance entry: every powered-on VM without passthrough
// or SR-IOV devices moves to the cluster's host with the fewest running VMs (then by name) that is
// connected and neither in nor entering maintenance mode. The vMotions run side by side, each taking
// its VM's time; `progress` reports the share of them done. VMs it cannot move stay and the entry
// waits for them.
func (s *vcenter) evacuate(ctx context.Context, host string, progress func(int32)) {
	cluster := s.hostCluster[host]
	if !s.drsAutomated(cluster) {
		return
	}
	state, err := s.fleet.state(ctx)
	if err != nil {
		log.Printf("DRS: cannot read the fleet: %v", err)
		return
	}
	running := map[string]int{}
	var source *hostState
	var targets []string
	for i := range state.Hosts {
		h := &state.Hosts[i]
		if h.Name == host {
			source = h
		}
		if h.Cluster != cluster || h.Name == host || h.Power != "up" || h.MaintenanceMode || h.EnteringMaintenance {
			continue
		}
		targets = append(targets, h.Name)
		for _, vm := range h.VMs {
			if vm.Power == "on" {
				running[h.Name]++
			}
		}
	}
	if source == nil {
		return
	}
	plan := map[string]string{} // VM -> destination
	for _, vm := range source.VMs {
		if vm.Power != "on" || len(vm.Devices) > 0 || len(targets) == 0 {
			continue
		}
		sort.SliceStable(targets, func(i, j int) bool {
			if running[targets[i]] != running[targets[j]] {
				return running[targets[i]] < running[targets[j]]
			}
			return targets[i] < targets[j]
		})
		plan[vm.Name] = targets[0]
		running[targets[0]]++
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for vm, to := range plan {
		wg.Add(1)
		go func() {
			defer wg.Done()
			refusal, err := s.fleet.act(ctx, "POST", hostPath(host, "vms", vm, "migrate"), map[string]any{"to": to})
			if err != nil || refusal != nil {
				log.Printf("DRS: %s stays on %s: %v %v", vm, host, err, refusal)
			} else {
				log.Printf("DRS: migrated %s from %s to %s", vm, host, to)
			}
			mu.Lock()
			defer mu.Unlock()
			done++
			progress(int32(100 * done / len(plan)))
		}()
	}
	wg.Wait()
}
