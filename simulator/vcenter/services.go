package main

// HostServiceSystem, which vcsim lacks: the host's services as `govc host.service` and
// `host.service.ls` see them. TSM-SSH is the fleet host's SSH service (stopped, its port refuses
// connections); the other rows are fixed.

import (
	"context"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const sshServiceKey = "TSM-SSH"

type serviceSystem struct {
	mo.HostServiceSystem
	s    *vcenter
	host string
}

func addServiceSystem(ctx *simulator.Context, s *vcenter, host *simulator.HostSystem, name string) *serviceSystem {
	ss := &serviceSystem{s: s, host: name}
	ss.Self = types.ManagedObjectReference{Type: "HostServiceSystem", Value: "serviceSystem-" + host.Self.Value}
	ss.ServiceInfo.Service = []types.HostService{
		{Key: "TSM", Label: "ESXi Shell", Policy: string(types.HostServicePolicyOff)},
		{Key: sshServiceKey, Label: "SSH", Policy: string(types.HostServicePolicyOn), Running: true},
		{Key: "ntpd", Label: "NTP Daemon", Policy: string(types.HostServicePolicyOn), Running: true, Ruleset: []string{"ntpClient"}},
	}
	ref := ctx.Map.Put(ss).Reference()
	host.ConfigManager.ServiceSystem = &ref
	return ss
}

// setSSH shows the fleet host's SSH service (under the object's lock).
func (ss *serviceSystem) setSSH(state sshService) {
	for i := range ss.ServiceInfo.Service {
		if ss.ServiceInfo.Service[i].Key == sshServiceKey {
			ss.ServiceInfo.Service[i].Running = state.Running
			ss.ServiceInfo.Service[i].Policy = state.Policy
		}
	}
}

func (ss *serviceSystem) known(id string) bool {
	for _, svc := range ss.ServiceInfo.Service {
		if svc.Key == id {
			return true
		}
	}
	return false
}

// change asks the fleet to change TSM-SSH; other services keep their fixed state.
func (ss *serviceSystem) change(ctx *simulator.Context, id string, body map[string]any) *soap.Fault {
	if !ss.known(id) {
		return simulator.Fault("", &types.NotFound{})
	}
	if id != sshServiceKey {
		return nil
	}
	call, cancel := context.WithTimeout(ss.s.internalContext(), 30*time.Second)
	defer cancel()
	refusal, err := ss.s.fleet.act(call, "PUT", hostPath(ss.host, "ssh"), body)
	if fault := faultFor(refusal, err); fault != nil {
		return methodFault(fault)
	}
	// The method holds this object's lock: show the change now rather than at the next copy.
	info := types.HostServiceInfo{Service: append([]types.HostService(nil), ss.ServiceInfo.Service...)}
	for i := range info.Service {
		svc := &info.Service[i]
		if svc.Key != sshServiceKey {
			continue
		}
		if running, ok := body["running"].(bool); ok {
			svc.Running = running
		}
		if policy, ok := body["policy"].(string); ok {
			svc.Policy = policy
		}
	}
	ctx.Update(ss, []types.PropertyChange{{Name: "serviceInfo", Val: info}})
	return nil
}

func (ss *serviceSystem) StartService(ctx *simulator.Context, req *types.StartService) soap.HasFault {
	return &methods.StartServiceBody{Res: &types.StartServiceResponse{}, Fault_: ss.change(ctx, req.Id, map[string]any{"running": true})}
}

func (ss *serviceSystem) StopService(ctx *simulator.Context, req *types.StopService) soap.HasFault {
	return &methods.StopServiceBody{Res: &types.StopServiceResponse{}, Fault_: ss.change(ctx, req.Id, map[string]any{"running": false})}
}

func (ss *serviceSystem) RestartService(ctx *simulator.Context, req *types.RestartService) soap.HasFault {
	return &methods.RestartServiceBody{Res: &types.RestartServiceResponse{}, Fault_: ss.change(ctx, req.Id, map[string]any{"running": true})}
}

func (ss *serviceSystem) UpdateServicePolicy(ctx *simulator.Context, req *types.UpdateServicePolicy) soap.HasFault {
	switch types.HostServicePolicy(req.Policy) {
	case types.HostServicePolicyOn, types.HostServicePolicyOff, types.HostServicePolicyAutomatic:
	default:
		return &methods.UpdateServicePolicyBody{Fault_: simulator.Fault("", &types.InvalidArgument{InvalidProperty: "policy"})}
	}
	return &methods.UpdateServicePolicyBody{Res: &types.UpdateServicePolicyResponse{}, Fault_: ss.change(ctx, req.Id, map[string]any{"policy": req.Policy})}
}

func (ss *serviceSystem) RefreshServices(*types.RefreshServices) soap.HasFault {
	return &methods.RefreshServicesBody{Res: &types.RefreshServicesResponse{}}
}
