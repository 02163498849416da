package main

// VirtualMachine methods that act on the fleet's VM: power on/off, guest shutdown and migration;
// what the fleet cannot do (suspend, reset, removing the VM) is refused rather than faked.

import (
	"context"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

var vmOverrides = map[string]bool{
	"PowerOnVM_Task":  true,
	"PowerOffVM_Task": true,
	"ShutdownGuest":   true,
	"MigrateVM_Task":  true,
	"RelocateVM_Task": true,
	"SuspendVM_Task":  true,
	"ResetVM_Task":    true,
	"RebootGuest":     true,
	"Destroy_Task":    true,
	"UnregisterVM":    true,
}

// vmOps is a VM's twin (vcenter.handler): it receives the VM's overridden methods.
type vmOps struct {
	Self types.ManagedObjectReference
	vm   *simulator.VirtualMachine
	s    *vcenter
}

func (vm *vmOps) Reference() types.ManagedObjectReference { return vm.Self }

// where is the VM's fleet host (as of the last copy) and its name.
func (vm *vmOps) where() (host, name string) {
	name = vm.vm.Name
	if h, ok := vm.s.vmHosts.Load(name); ok {
		host = h.(string)
	}
	return host, name
}

func (vm *vmOps) power(ctx *simulator.Context, task, op string) types.ManagedObjectReference {
	host, name := vm.where()
	return vm.s.startTask(ctx, vm.vm, task, func(func(int32)) (types.AnyType, *types.LocalizedMethodFault) {
		path := hostPath(host, "vms", name, "power")
		return nil, faultFor(vm.s.fleet.act(vm.s.internalContext(), "POST", path, map[string]any{"op": op}))
	})
}

func (vm *vmOps) PowerOnVMTask(ctx *simulator.Context, _ *types.PowerOnVM_Task) soap.HasFault {
	return &methods.PowerOnVM_TaskBody{Res: &types.PowerOnVM_TaskResponse{Returnval: vm.power(ctx, "powerOn", "on")}}
}

func (vm *vmOps) PowerOffVMTask(ctx *simulator.Context, _ *types.PowerOffVM_Task) soap.HasFault {
	return &methods.PowerOffVM_TaskBody{Res: &types.PowerOffVM_TaskResponse{Returnval: vm.power(ctx, "powerOff", "off")}}
}

// ShutdownGuest asks the guest to shut down and returns at once; the VM powers off later.
func (vm *vmOps) ShutdownGuest(_ *simulator.Context, _ *types.ShutdownGuest) soap.HasFault {
	host, name := vm.where()
	call, cancel := context.WithTimeout(vm.s.internalContext(), 30*time.Second)
	defer cancel()
	body := &methods.ShutdownGuestBody{}
	if fault := faultFor(vm.s.fleet.act(call, "POST", hostPath(host, "vms", name, "power"), map[string]any{"op": "shutdown"})); fault != nil {
		body.Fault_ = methodFault(fault)
		return body
	}
	body.Res = &types.ShutdownGuestResponse{}
	return body
}

func (vm *vmOps) migrate(ctx *simulator.Context, target *types.ManagedObjectReference) types.ManagedObjectReference {
	host, name := vm.where()
	to := ""
	if target != nil {
		to = vm.s.hostName(*target)
	}
	return vm.s.startTask(ctx, vm.vm, "migrateVm", func(func(int32)) (types.AnyType, *types.LocalizedMethodFault) {
		if to == "" {
			return nil, &types.LocalizedMethodFault{Fault: &types.InvalidArgument{InvalidProperty: "host"},
				LocalizedMessage: "A specified parameter was not correct: host"}
		}
		path := hostPath(host, "vms", name, "migrate")
		return nil, faultFor(vm.s.fleet.act(vm.s.internalContext(), "POST", path, map[string]any{"to": to}))
	})
}

func (vm *vmOps) MigrateVMTask(ctx *simulator.Context, req *types.MigrateVM_Task) soap.HasFault {
	return &methods.MigrateVM_TaskBody{Res: &types.MigrateVM_TaskResponse{Returnval: vm.migrate(ctx, req.Host)}}
}

func (vm *vmOps) RelocateVMTask(ctx *simulator.Context, req *types.RelocateVM_Task) soap.HasFault {
	return &methods.RelocateVM_TaskBody{Res: &types.RelocateVM_TaskResponse{Returnval: vm.migrate(ctx, req.Spec.Host)}}
}

func (vm *vmOps) SuspendVMTask(*types.SuspendVM_Task) soap.HasFault {
	return &methods.SuspendVM_TaskBody{Fault_: notSimulated("suspend")}
}

func (vm *vmOps) ResetVMTask(*types.ResetVM_Task) soap.HasFault {
	return &methods.ResetVM_TaskBody{Fault_: notSimulated("reset")}
}

func (vm *vmOps) RebootGuest(*types.RebootGuest) soap.HasFault {
	return &methods.RebootGuestBody{Fault_: notSimulated("guest reboot")}
}

func (vm *vmOps) DestroyTask(*types.Destroy_Task) soap.HasFault {
	return &methods.Destroy_TaskBody{Fault_: notSimulated("removing a VM (the fleet owns its VMs)")}
}

func (vm *vmOps) UnregisterVM(*types.UnregisterVM) soap.HasFault {
	return &methods.UnregisterVMBody{Fault_: notSimulated("unregistering a VM (the fleet owns its VMs)")}
}
