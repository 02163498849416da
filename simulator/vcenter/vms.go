package main

// The fleet's VMs in vcsim: registered on their host's cluster datastore under their fleet name,
// with the fleet's power state and host, and their passthrough / SR-IOV devices as vSphere shows
// them (VirtualPCIPassthrough, VirtualSriovEthernetCard). A VM the fleet moved (DRS, vMotion) moves
// here; one it dropped is unregistered; one whose devices changed is registered anew.

import (
	"encoding/json"
	"fmt"
	"log"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// firstDeviceKey keeps the fleet's devices clear of the ones vcsim adds to every VM.
const firstDeviceKey = 13000

func (s *vcenter) applyVMs(state *fleetState) {
	seen := map[string]bool{}
	for _, h := range state.Hosts {
		if s.hosts[h.Name] == nil {
			continue
		}
		for _, vm := range h.VMs {
			if seen[vm.Name] {
				log.Printf("VM %s on %s: the name is taken in vCenter; not shown", vm.Name, h.Name)
				continue
			}
			seen[vm.Name] = true
			if err := s.applyVM(h.Name, vm); err != nil {
				log.Printf("VM %s on %s: %v", vm.Name, h.Name, err)
			}
		}
	}
	for name, rec := range s.vms {
		if !seen[name] {
			s.removeVM(name, rec)
		}
	}
}

func signature(vm vmState) string {
	data, _ := json.Marshal(vm.Devices)
	return string(data)
}

func (s *vcenter) applyVM(host string, vm vmState) error {
	rec := s.vms[vm.Name]
	if rec != nil && rec.signature != signature(vm) {
		s.removeVM(vm.Name, rec)
		rec = nil
	}
	if rec == nil {
		created, err := s.createVM(host, vm)
		if err != nil {
			return err
		}
		rec = created
		s.vms[vm.Name] = rec
		s.vmHosts.Store(vm.Name, host)
	}
	obj, ok := s.model.Map().Get(rec.ref).(*simulator.VirtualMachine)
	if !ok {
		delete(s.vms, vm.Name)
		return fmt.Errorf("vanished from vcsim")
	}
	ctx := s.newContext()
	if rec.host != host {
		s.moveVM(ctx, obj, rec, host)
	}
	power := types.VirtualMachinePowerStatePoweredOff
	if vm.Power == "on" {
		power = types.VirtualMachinePowerStatePoweredOn
	}
	ctx.AutoUpdate(obj, func() {
		obj.Runtime.PowerState = power
		obj.Summary.Runtime.PowerState = power
	})
	return nil
}

// moveVM shows a migration the fleet made: the VM's host (and pool, across clusters) changes.
func (s *vcenter) moveVM(ctx *simulator.Context, obj *simulator.VirtualMachine, rec *vmRecord, to string) {
	from, dest := s.hosts[rec.host], s.hosts[to]
	if from != nil {
		ctx.AutoUpdate(from, func() { simulator.RemoveReference(&from.Vm, rec.ref) })
	}
	ctx.AutoUpdate(dest, func() { dest.Vm = append(dest.Vm, rec.ref) })
	ref := dest.Self
	pool := s.clusters[s.hostCluster[to]].ResourcePool
	ctx.AutoUpdate(obj, func() {
		obj.Runtime.Host = &ref
		obj.Summary.Runtime.Host = &ref
		obj.ResourcePool = pool
	})
	rec.host = to
	s.vmHosts.Store(obj.Name, to)
}

func (s *vcenter) createVM(host string, vm vmState) (*vmRecord, error) {
	cluster := s.hostCluster[host]
	spec := types.VirtualMachineConfigSpec{
		Name:     vm.Name,
		GuestId:  vm.GuestID,
		NumCPUs:  vm.NumCPU,
		MemoryMB: int64(vm.MemoryMB),
		Uuid:     biosUUID(vm.UUID),
		Files:    &types.VirtualMachineFileInfo{VmPathName: "[" + s.datastores[cluster] + "]"},
	}
	ctx := s.internalContext()
	pool := object.NewResourcePool(s.client, *s.clusters[cluster].ResourcePool)
	hostObj := object.NewHostSystem(s.client, s.hosts[host].Self)
	task, err := s.folders.VmFolder.CreateVM(ctx, spec, pool, hostObj)
	if err != nil {
		return nil, err
	}
	info, err := task.WaitForResult(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	ref := info.Result.(types.ManagedObjectReference)
	obj := s.model.Map().Get(ref).(*simulator.VirtualMachine)
	devices := fleetDevices(vm.Devices)
	s.newContext().AutoUpdate(obj, func() {
		obj.Config.Hardware.Device = append(obj.Config.Hardware.Device, devices...)
	})
	return &vmRecord{ref: ref, host: host, signature: signature(vm)}, nil
}

func (s *vcenter) removeVM(name string, rec *vmRecord) {
	delete(s.vms, name)
	s.vmHosts.Delete(name)
	obj, ok := s.model.Map().Get(rec.ref).(*simulator.VirtualMachine)
	if !ok {
		return
	}
	off := types.VirtualMachinePowerStatePoweredOff
	s.newContext().AutoUpdate(obj, func() {
		obj.Runtime.PowerState = off
		obj.Summary.Runtime.PowerState = off
	})
	if err := object.NewVirtualMachine(s.client, rec.ref).Unregister(s.internalContext()); err != nil {
		log.Printf("VM %s: unregister: %v", name, err)
	}
}

// fleetDevices are the VM's passthrough and SR-IOV devices as vSphere describes them.
func fleetDevices(devices []vmDevice) []types.BaseVirtualDevice {
	var out []types.BaseVirtualDevice
	for i, d := range devices {
		key := int32(firstDeviceKey + i)
		label := fmt.Sprintf("PCI device %d", i)
		if d.Kind == "passthrough" {
			out = append(out, &types.VirtualPCIPassthrough{VirtualDevice: types.VirtualDevice{
				Key:        key,
				DeviceInfo: &types.Description{Label: label, Summary: d.PCI},
				Backing: &types.VirtualPCIPassthroughDeviceBackingInfo{
					VirtualDeviceDeviceBackingInfo: types.VirtualDeviceDeviceBackingInfo{DeviceName: "ConnectX " + d.PCI},
					Id:                             d.PCI,
					VendorId:                       0x15b3, // Mellanox
				},
			}})
			continue
		}
		out = append(out, &types.VirtualSriovEthernetCard{
			VirtualEthernetCard: types.VirtualEthernetCard{VirtualDevice: types.VirtualDevice{
				Key:        key,
				DeviceInfo: &types.Description{Label: fmt.Sprintf("SR-IOV network adapter %d", i), Summary: d.PF},
			}},
			SriovBacking: &types.VirtualSriovEthernetCardSriovBackingInfo{
				PhysicalFunctionBacking: &types.VirtualPCIPassthroughDeviceBackingInfo{Id: d.PF, VendorId: 0x15b3},
			},
		})
	}
	return out
}

// biosUUID turns "56 4d c9 8d 87 2f a6 68-b2 3b 99 9f fb dc 76 cd" into the API's UUID form.
func biosUUID(esx string) string {
	hex := strings.NewReplacer(" ", "", "-", "").Replace(esx)
	if len(hex) != 32 {
		return ""
	}
	return hex[0:8] + "-" + hex[8:12] + "-" + hex[12:16] + "-" + hex[16:20] + "-" + hex[20:32]
}
